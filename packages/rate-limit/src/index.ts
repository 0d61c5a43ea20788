export { type AlgorithmState, consumeStep, emptyState, refundStep } from './algorithms.js';
export {
  QUOTA_EXCEEDED_TITLE,
  QUOTA_EXCEEDED_TYPE,
  type RateLimitErrorCode,
  RateLimitExceededError,
} from './errors.js';
export { type HeaderRule, type RateLimitHeaderOptions, rateLimitHeaders } from './headers.js';
export {
  GUARD_KEY_PREFIX,
  guardKey,
  hashKey,
  MAX_KEY_LENGTH,
  normaliseUsername,
  rateLimitKey,
} from './keys.js';
export { RATE_LIMIT_KIT as moduleKit, type RateLimitKit, rateLimitRules } from './kit.js';
export {
  createRateLimiter,
  type DecisionSource,
  type GuardedState,
  type RateLimiter,
  type RateLimiterOptions,
  type StoreFailurePolicy,
  type StoreGuardOptions,
} from './limiter.js';
export {
  createLoginGuard,
  type LoginAttempt,
  type LoginAttemptInput,
  type LoginGuard,
  type LoginGuardOptions,
  type LoginLane,
  type LoginLimit,
  type SlowLaneOptions,
} from './login-guard.js';
export { compilePathPattern, normalisePath, type PathMatcher } from './match.js';
export {
  createMemoryRateLimitStore,
  isMemoryRateLimitStore,
  type MemoryRateLimitStore,
  type MemoryRateLimitStoreOptions,
} from './memory-store.js';
export {
  createRateLimitPolicy,
  type RateLimitDecision,
  type RateLimitKeySource,
  type RateLimitPolicy,
  type RateLimitPolicyOptions,
  type RateLimitRequest,
  type RateLimitRule,
  type RateLimitRules,
} from './policy.js';
export { BACKLOG_ZONES, LOGIN_HEALTH_DEFAULT_ZONES } from './presets.js';
