export {
  clientAddressInput,
  type PortcullisRequestState,
  problemErrorHandler,
  requestState,
  sendProblem,
} from './http.js';
