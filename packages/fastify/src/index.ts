export { clientAddressInput, type PortcullisRequestState, requestState, sendProblem } from './http.js';
