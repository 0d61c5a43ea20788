export {
  type CreateRedisClientOptions,
  createRedisClient,
  type RedisClientLike,
  waitForRedis,
} from './client.js';
export {
  createScriptRunner,
  defineScript,
  type RedisScript,
  runScript,
  type ScriptRunner,
  type ScriptRunnerOptions,
} from './script.js';
