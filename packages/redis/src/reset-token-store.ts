import type { CircuitBreaker, ResetTokenRecord, ResetTokenStore } from '@portcullis/core';
import { checkOptions, type KnownOptions, requireOption, StoreError } from '@portcullis/core';
import type { RedisClientLike } from './client.js';
import { checkPrefix, checkSelector, resetKeys } from './key-layout.js';
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

// KEYS[1] is the user's index, KEYS[2..n] the token keys read from it just before (same user,
// same shard tag). Deletes those still indexed, unindexes them, and says how many members are
// left (saved meanwhile) so the caller can go round again.
const DELETE_LISTED = defineScript(`
local n = 0
for i = 2, #KEYS do
  local sel = ARGV[i - 1]
  if redis.call('SREM', KEYS[1], sel) == 1 then n = n + redis.call('DEL', KEYS[i]) end
end
local left = redis.call('SCARD', KEYS[1])
if left == 0 then redis.call('DEL', KEYS[1]) end
return { n, left }
`);

const MEMBERS = defineScript(`return redis.call('SMEMBERS', KEYS[1])`);

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
 * (GET + DEL), so two workers confirming the same link at once cannot both win. A user's index
 * and tokens share the user's shard tag (selectors start with it), so on Redis Cluster every
 * script runs on one shard and users spread over all of them.
 *
 * @example
 * ```ts
 * const store = createRedisResetTokenStore({ client: createRedisClient(process.env.REDIS_URL!) });
 * const reset = createPasswordReset({ store, ... });
 * ```
 */
export function createRedisResetTokenStore(options: RedisResetTokenStoreOptions): ResetTokenStore {
  checkOptions('createRedisResetTokenStore', options, {
    client: true,
    prefix: true,
    timeoutMs: true,
    breaker: true,
  } satisfies KnownOptions<RedisResetTokenStoreOptions>);
  requireOption(
    'createRedisResetTokenStore',
    options ?? {},
    'client',
    'a connected ioredis client or cluster, e.g. createRedisClient(process.env.REDIS_URL)',
  );
  const prefix = checkPrefix(options.prefix ?? 'portcullis:pwreset:', 'reset token store');
  const run = createScriptRunner(options.client, {
    timeoutMs: options.timeoutMs ?? 250,
    breaker: options.breaker,
    name: 'Redis reset token',
  });
  const keys = resetKeys(prefix);
  const tokenKey = keys.token;
  const userKey = keys.user;
  return {
    async save(selector, record, ttlMs) {
      checkSelector('reset token store', selector, record.userId, 'userId');
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
      const index = userKey(userId);
      let deleted = 0;
      // Tokens saved while we delete are caught by the next round; three rounds is plenty.
      for (let round = 0; round < 3; round++) {
        const members = (await run(MEMBERS, [index], [])) as string[];
        if (members.length === 0) break;
        const reply = (await run(DELETE_LISTED, [index, ...members.map(tokenKey)], members)) as [
          number,
          number,
        ];
        deleted += Number(reply[0]);
        if (Number(reply[1]) === 0) break;
      }
      return deleted;
    },
  };
}
