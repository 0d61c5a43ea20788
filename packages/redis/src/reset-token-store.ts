import type { CircuitBreaker, ResetTokenRecord, ResetTokenStore } from '@portcullis/core';
import { ConfigError, StoreError } from '@portcullis/core';
import type { RedisClientLike } from './client.js';
import { createScriptRunner, defineScript } from './script.js';

/** Options of {@link createRedisResetTokenStore}. */
export interface RedisResetTokenStoreOptions {
  /** An ioredis client from `createRedisClient` (no offline queue). */
  client: RedisClientLike;
  /** Prefix of every key. Default `portcullis:pwreset:`. */
  prefix?: string | undefined;
  /** Per-call deadline in ms; past it the call fails with `ERR_STORE_TIMEOUT`. Default 250. */
  timeoutMs?: number | undefined;
  /** Optional breaker: while open, calls fail at once with `ERR_STORE_UNAVAILABLE`. */
  breaker?: CircuitBreaker | undefined;
}

// The user's index lives as long as its longest-lived token.
const SAVE = defineScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
local left = redis.call('PTTL', KEYS[2])
if left < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1
`);

const PEEK = defineScript(`return redis.call('GET', KEYS[1])`);

// GET and DEL in one script: of N concurrent takes exactly one sees the value.
const TAKE = defineScript(`
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v
`);

// Token keys are derived from the index's members (prefix in ARGV[1]), so this script needs a
// single Redis node: standalone or Sentinel, not Redis Cluster.
const DELETE_FOR_USER = defineScript(`
local members = redis.call('SMEMBERS', KEYS[1])
local n = 0
for _, sel in ipairs(members) do n = n + redis.call('DEL', ARGV[1] .. sel) end
redis.call('DEL', KEYS[1])
return n
`);

function decode(raw: unknown): ResetTokenRecord | undefined {
  if (raw === null || raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(String(raw));
  } catch {
    throw new StoreError('ERR_STORE_UNAVAILABLE', 'reset token store: unreadable record');
  }
  const r = v as Partial<ResetTokenRecord> | null;
  if (
    !r ||
    typeof r.userId !== 'string' ||
    typeof r.verifierHash !== 'string' ||
    typeof r.expiresAt !== 'number'
  )
    throw new StoreError('ERR_STORE_UNAVAILABLE', 'reset token store: unreadable record');
  return typeof r.locale === 'string'
    ? { userId: r.userId, verifierHash: r.verifierHash, expiresAt: r.expiresAt, locale: r.locale }
    : { userId: r.userId, verifierHash: r.verifierHash, expiresAt: r.expiresAt };
}

/**
 * Redis reset-token store: each token is one key holding its record (verifier hash only) with
 * a TTL, plus a per-user index for "void every link of this user". `take` is one script
 * (GET + DEL), so two workers confirming the same link at once cannot both win.
 *
 * @example
 * ```ts
 * const store = createRedisResetTokenStore({ client: createRedisClient(process.env.REDIS_URL!) });
 * const reset = createPasswordReset({ store, ... });
 * ```
 */
export function createRedisResetTokenStore(options: RedisResetTokenStoreOptions): ResetTokenStore {
  const prefix = options.prefix ?? 'portcullis:pwreset:';
  if (typeof prefix !== 'string') throw new ConfigError('reset token store: prefix must be a string');
  const run = createScriptRunner(options.client, {
    timeoutMs: options.timeoutMs ?? 250,
    breaker: options.breaker,
  });
  const tokenPrefix = `${prefix}t:`;
  const tokenKey = (s: string) => tokenPrefix + s;
  const userKey = (u: string) => `${prefix}u:${u}`;
  return {
    async save(selector, record, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      await run(SAVE, [tokenKey(selector), userKey(record.userId)], [JSON.stringify(record), ttl, selector]);
    },
    async peek(selector) {
      return decode(await run(PEEK, [tokenKey(selector)], []));
    },
    async take(selector) {
      return decode(await run(TAKE, [tokenKey(selector)], []));
    },
    async deleteForUser(userId) {
      return Number(await run(DELETE_FOR_USER, [userKey(userId)], [tokenPrefix]));
    },
  };
}
