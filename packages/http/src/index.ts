export { type BearerAuthenticator, createBearerAuthenticator } from './authenticate.js';
export type { PortcullisConfig, ScrapeOptions, TokenTransportOptions } from './config.js';
export { auditKit, metricsKit, mimeGuardKit, passwordKit, rateLimitKit, tokensKit } from './kits.js';
export {
  type Admission,
  createPortcullisPipeline,
  type PortcullisPipeline,
  type RequestEnd,
} from './pipeline.js';
export type { UploadsState } from './request-state.js';
