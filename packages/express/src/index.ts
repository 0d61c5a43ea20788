export {
  clientAddressInput,
  type PortcullisRequestState,
  problemErrorHandler,
  requestState,
  sendProblem,
} from './http.js';
export { type ExpressRateLimitOptions, rateLimit } from './rate-limit.js';
