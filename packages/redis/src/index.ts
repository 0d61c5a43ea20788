export {
  type CreateRedisClientOptions,
  type CreateRedisClusterOptions,
  createRedisClient,
  createRedisCluster,
  parseClusterNodes,
  type RedisClientLike,
  type RedisClusterNode,
} from './client.js';
export { keySlot } from './key-slot.js';
export {
  createRedisRateLimitStore,
  type RedisRateLimitStoreOptions,
} from './rate-limit-store.js';
export { checkRedis, type RedisConnection, type WaitForRedisOptions, waitForRedis } from './ready.js';
export { createRedisResetTokenStore, type RedisResetTokenStoreOptions } from './reset-token-store.js';
export {
  createScriptRunner,
  defineScript,
  type RedisScript,
  runScript,
  type ScriptRunner,
  type ScriptRunnerOptions,
  shardOf,
} from './script.js';
export {
  createRedisRefreshTokenStore,
  createRedisRevocationStore,
  type RedisTokenStoreOptions,
} from './token-stores.js';
