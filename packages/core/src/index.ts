export {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  createCircuitBreaker,
  withTimeout,
} from './circuit-breaker.js';
export {
  type ClientAddress,
  type ClientAddressInput,
  type ClientAddressOptions,
  type ClientAddressResolver,
  createClientAddressResolver,
  type ProxyHeader,
  parseForwardedFor,
  parseNodeAddress,
  type TrustProxy,
} from './client-address.js';
export { type Clock, createManualClock, type ManualClock, systemClock } from './clock.js';
export {
  contextOf,
  createSecurityContext,
  isResolvedClient,
  need,
  type PortcullisRequestState,
  requireClientAddressSource,
  type SecurityContext,
  type SecurityContextOptions,
  type SecurityRequest,
  type SecurityRequestInput,
} from './context.js';
export {
  ConfigError,
  type ConfigErrorCode,
  type ConfigErrorOptions,
  clientErrorStatus,
  type DescribedError,
  describeError,
  InputError,
  type InputErrorCode,
  isJsonMediaType,
  isPortcullisError,
  jsonBodyError,
  PortcullisError,
  type PortcullisErrorOptions,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  type ProblemDetails,
  problemTypeFor,
  StoreError,
  type StoreErrorCode,
  toProblemResponse,
} from './errors.js';
export {
  createEventBus,
  defaultEventLevel,
  type EventBus,
  type EventBusOptions,
  type FileEventAttributes,
  SECURITY_EVENT_NAMES,
  type SecurityEvent,
  type SecurityEventAttributeMap,
  type SecurityEventAttributes,
  type SecurityEventAttributesOf,
  type SecurityEventInput,
  type SecurityEventLevel,
  type SecurityEventListener,
  type SecurityEventName,
} from './events.js';
export { type HeaderSource, readHeader } from './headers.js';
export {
  formatIp,
  type IpAddress,
  type IpNetwork,
  maskIp,
  networkContains,
  parseCidr,
  parseIp,
  unmapIPv4,
} from './ip.js';
export {
  attachModuleKit,
  findModuleKit,
  MODULE_KIT,
  type ModuleKitCarrier,
  requireModuleKit,
} from './module-kit.js';
export {
  checkOptions,
  describeValue,
  type KnownOptions,
  nearestName,
  requireMethods,
  requireOption,
} from './options.js';
export type {
  RateLimitAlgorithm,
  RateLimitQuota,
  RateLimitState,
  RateLimitStore,
} from './rate-limit-store.js';
export { compilePathPattern, normalisePath, type PathMatcher, requestPath } from './request-path.js';
export type { ResetTokenRecord, ResetTokenStore } from './reset-token-store.js';
export { SHARD_TAG_LENGTH, selectorTag, shardTag, taggedSelector } from './shard-tag.js';
export { createStoreHealth, type StoreHealth } from './store-health.js';
export { accessTokenCookie, isHostCookieName, TOKEN_RESPONSE_HEADERS } from './token-response.js';
export type {
  MaybePromise,
  RefreshRotation,
  RefreshRotationResult,
  RefreshTokenEntry,
  RefreshTokenRecord,
  RefreshTokenState,
  RefreshTokenStore,
  RevocationStore,
} from './token-stores.js';
export { createMemoryTtlStore, type MemoryTtlStore, type MemoryTtlStoreOptions } from './ttl-store.js';
export { emitPortcullisWarning, PORTCULLIS_WARNING } from './warning.js';
