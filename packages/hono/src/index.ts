export { clientAddressInput, type PortcullisRequestState, problemResponse, requestState } from './http.js';
