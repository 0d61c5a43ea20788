export { clientAddressInput, type PortcullisRequestState, requestState, sendProblem } from './http.js';
export {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
export { type FastifyRateLimitOptions, rateLimitPlugin } from './rate-limit.js';
