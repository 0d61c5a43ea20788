export { auditFileAccess, type ExpressAuditOptions } from './audit.js';
export {
  clientAddressInput,
  type JsonBodyOptions,
  jsonBody,
  type PortcullisRequestState,
  problemErrorHandler,
  requestState,
  sendProblem,
} from './http.js';
export { metricsHandler, metricsMiddleware } from './metrics.js';
export {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
export {
  type ExpressPortcullis,
  type ExpressPortcullisConfig,
  portcullis,
} from './portcullis.js';
export { type ExpressRateLimitOptions, rateLimit } from './rate-limit.js';
export {
  authClaims,
  type ExpressTokenOptions,
  logoutAllHandler,
  logoutHandler,
  refreshHandler,
  requireAuth,
  sendTokenPair,
} from './tokens.js';
export { type ExpressUploadsOptions, guardUploads, type UploadsState } from './uploads.js';
