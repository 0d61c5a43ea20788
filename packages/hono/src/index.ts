export { auditFileAccess, type HonoAuditOptions } from './audit.js';
export {
  clientAddressInput,
  type PortcullisRequestState,
  problemResponse,
  readJsonBody,
  requestState,
  sendProblem,
} from './http.js';
export { type HonoMetricsHandlerOptions, metricsHandler, metricsMiddleware } from './metrics.js';
export {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
export { type HonoPortcullis, type HonoPortcullisConfig, portcullis } from './portcullis.js';
export { type HonoRateLimitOptions, rateLimit } from './rate-limit.js';
export {
  authClaims,
  type HonoTokenOptions,
  logoutAllHandler,
  logoutHandler,
  refreshHandler,
  requireAuth,
  sendTokenPair,
  tokenPairResponse,
} from './tokens.js';
export { guardUploads, type HonoUploadsOptions, type UploadsState } from './uploads.js';
