export {
  type CreateRedisClientOptions,
  createRedisClient,
  type RedisClientLike,
  waitForRedis,
} from './client.js';
export {
  createRedisRateLimitStore,
  type RedisRateLimitStoreOptions,
} from './rate-limit-store.js';
export { createRedisResetTokenStore, type RedisResetTokenStoreOptions } from './reset-token-store.js';
export {
  createScriptRunner,
  defineScript,
  type RedisScript,
  runScript,
  type ScriptRunner,
  type ScriptRunnerOptions,
} from './script.js';
export {
  createRedisRefreshTokenStore,
  createRedisRevocationStore,
  type RedisTokenStoreOptions,
} from './token-stores.js';
