export { auditFileAccess, type FastifyAuditOptions } from './audit.js';
export {
  clientAddressInput,
  type PortcullisRequestState,
  requestState,
  sendProblem,
} from './http.js';
export { metricsHandler, type PortcullisMetricsPluginOptions, portcullisMetrics } from './metrics.js';
export {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
export {
  type FastifyPortcullis,
  type FastifyPortcullisConfig,
  portcullis,
  portcullisServerOptions,
} from './portcullis.js';
export { type FastifyRateLimitOptions, rateLimitPlugin } from './rate-limit.js';
export {
  authClaims,
  type FastifyTokenOptions,
  logoutAllHandler,
  logoutHandler,
  type PortcullisTokensPluginOptions,
  portcullisTokens,
  refreshHandler,
  requireAuth,
  sendTokenPair,
} from './tokens.js';
export { type FastifyUploadsOptions, guardUploads, type UploadsState } from './uploads.js';
