import type {
  CircuitBreaker,
  Clock,
  RefreshRotationResult,
  RefreshTokenEntry,
  RefreshTokenRecord,
  RefreshTokenStore,
  RevocationStore,
} from '@portcullis/core';
import {
  checkOptions,
  type KnownOptions,
  requireOption,
  selectorTag,
  shardTag,
  systemClock,
} from '@portcullis/core';
import type { RedisClientLike } from './client.js';
import { checkPrefix, checkSelector, refreshKeys, revocationKeys } from './key-layout.js';
import { createScriptRunner, defineScript, type ScriptRunner } from './script.js';

/** A runner whose every failure is a `StoreError` (503), so callers apply their failure policy. */
function storeRunner(options: RedisTokenStoreOptions): ScriptRunner {
  return createScriptRunner(options.client, {
    timeoutMs: options.timeoutMs ?? 250,
    breaker: options.breaker,
    name: 'Redis token',
  });
}

/** Options of the Redis token stores. */
export interface RedisTokenStoreOptions {
  /** An ioredis client from `createRedisClient` (no offline queue). */
  client: RedisClientLike;
  /** Prefix of every key. Default `portcullis:tok:`. */
  prefix?: string | undefined;
  /** Per-call deadline in ms; past it the call fails with `ERR_STORE_TIMEOUT`. Default 250. */
  timeoutMs?: number | undefined;
  /** Optional breaker: while open, calls fail at once with `ERR_STORE_UNAVAILABLE`. */
  breaker?: CircuitBreaker | undefined;
  /** Clock used to turn absolute expiries into key TTLs. Default: the system clock. */
  clock?: Clock | undefined;
}

const REVOKE_TOKEN = defineScript(`
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return 1 end
return 0
`);

// The watermark only moves forward; the key lives as long as the longest token it covers.
const REVOKE_SUBJECT = defineScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local w = tonumber(ARGV[1])
if w > cur then cur = w end
redis.call('SET', KEYS[1], string.format('%.0f', cur), 'PX', ARGV[2])
return 1
`);

// KEYS[1] is the subject's watermark; KEYS[2..n] are blocklist entries of the same subject (the
// token today; a session key can join them), all under the subject's tag: one shard, one read.
const IS_REVOKED = defineScript(`
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 1 end
end
local w = redis.call('GET', KEYS[1])
if w and tonumber(ARGV[1]) <= tonumber(w) then return 1 end
return 0
`);

const GET = defineScript(`return redis.call('GET', KEYS[1])`);

const TOKEN_STORE_OPTIONS = {
  client: true,
  prefix: true,
  timeoutMs: true,
  breaker: true,
  clock: true,
} satisfies KnownOptions<RedisTokenStoreOptions>;

/** Unknown keys and a missing client are ConfigErrors naming the factory. */
function checkTokenStoreOptions(factory: string, options: RedisTokenStoreOptions): void {
  checkOptions(factory, options, TOKEN_STORE_OPTIONS);
  requireOption(
    factory,
    options ?? {},
    'client',
    'a connected ioredis client or cluster, e.g. createRedisClient(process.env.REDIS_URL)',
  );
}

/**
 * Redis revocation store: blocklist entries expire with the token (`SET ... PX NX`), per-user
 * watermarks only move forward, and the check is one script reading both keys, so a revocation
 * made through one worker is seen by every other worker on its next request. Both keys carry
 * the subject's shard tag, so on Redis Cluster the check runs on one shard and subjects spread
 * over all of them.
 *
 * @example
 * ```ts
 * const revocationStore = createRedisRevocationStore({ client: createRedisClient(process.env.REDIS_URL!) });
 * ```
 */
export function createRedisRevocationStore(options: RedisTokenStoreOptions): RevocationStore {
  checkTokenStoreOptions('createRedisRevocationStore', options);
  const prefix = checkPrefix(options.prefix ?? 'portcullis:tok:', 'revocation store');
  const clock = options.clock ?? systemClock;
  const run = storeRunner(options);
  const keys = revocationKeys(prefix);
  const subjectKey = keys.watermark;
  return {
    async revokeToken(key, subject, expiresAtMs) {
      const ttl = Math.ceil(expiresAtMs - clock.now());
      if (ttl <= 0) return false;
      return (await run(REVOKE_TOKEN, [keys.token(subject, key)], [ttl])) === 1;
    },
    async revokeSubject(subject, watermarkMs, ttlMs) {
      await run(
        REVOKE_SUBJECT,
        [subjectKey(subject)],
        [Math.floor(watermarkMs), Math.max(1, Math.ceil(ttlMs))],
      );
    },
    async revokeSession(subject, key, expiresAtMs) {
      const ttl = Math.ceil(expiresAtMs - clock.now());
      if (ttl <= 0) return false;
      return (await run(REVOKE_TOKEN, [keys.session(subject, key)], [ttl])) === 1;
    },
    async isRevoked(key, subject, issuedAtMs, session) {
      const read = [subjectKey(subject), keys.token(subject, key)];
      // The token's session (`sid`), under the same subject tag: still one shard, one read.
      if (session !== undefined) read.push(keys.session(subject, session));
      return (await run(IS_REVOKED, read, [issuedAtMs])) === 1;
    },
    async subjectWatermark(subject) {
      const v = await run(GET, [subjectKey(subject)], []);
      return typeof v === 'string' ? Number(v) : 0;
    },
  };
}

// Token hash fields: vh verifier hash, f family, s subject, i issuedAt, fi familyIssuedAt,
// e idle expiry, fe family expiry, d data, st state (a active / s spent), sa spentAt, rp replay.
// Family hash: rv (0/1). A family and its tokens share the family's shard tag (every selector
// starts with it), and every script declares every key it touches, so each runs on one shard.
const CREATE = defineScript(`
local now = tonumber(ARGV[9])
local ttl = math.ceil(tonumber(ARGV[7]) - now)
if ttl <= 0 then return 0 end
redis.call('HSET', KEYS[1], 'vh', ARGV[1], 'f', ARGV[2], 's', ARGV[3], 'i', ARGV[4], 'fi', ARGV[5],
  'e', ARGV[6], 'fe', ARGV[7], 'd', ARGV[8], 'st', 'a', 'sa', '0', 'rp', '')
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('HSET', KEYS[2], 'rv', '0')
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
`);

const FIND = defineScript(`
local v = redis.call('HMGET', KEYS[1], 'vh', 'f', 's', 'i', 'fi', 'e', 'fe', 'd', 'st')
if not v[1] then return nil end
if tonumber(ARGV[1]) >= tonumber(v[7]) then return nil end
return v
`);

const FAMILY_STATE = defineScript(`return redis.call('HGET', KEYS[1], 'rv')`);

// The one atomic rotation: check, mark spent, store the successor; or detect reuse and revoke.
// KEYS: presented token, successor, family (ARGV[1] is the family id the caller expects).
const ROTATE = defineScript(`
local vh = redis.call('HGET', KEYS[1], 'vh')
if not vh or vh ~= ARGV[2] then return {'unknown'} end
local t = redis.call('HMGET', KEYS[1], 'f', 's', 'e', 'fe', 'st', 'sa', 'rp')
if t[1] ~= ARGV[1] then return {'unknown'} end
local now = tonumber(ARGV[3])
local rv = redis.call('HGET', KEYS[3], 'rv')
if not rv then return {'expired'} end
if rv == '1' then return {'revoked'} end
if now >= tonumber(t[4]) then return {'expired'} end
if t[5] == 's' then
  if now - tonumber(t[6]) <= tonumber(ARGV[4]) then return {'grace', t[7]} end
  redis.call('HSET', KEYS[3], 'rv', '1')
  return {'reused', t[1], t[2]}
end
if now >= tonumber(t[3]) then return {'expired'} end
redis.call('HSET', KEYS[1], 'st', 's', 'sa', ARGV[3], 'rp', ARGV[5])
local ttl = math.ceil(tonumber(ARGV[12]) - now)
redis.call('HSET', KEYS[2], 'vh', ARGV[6], 'f', t[1], 's', ARGV[7], 'i', ARGV[8], 'fi', ARGV[9],
  'e', ARGV[10], 'fe', ARGV[12], 'd', ARGV[11], 'st', 'a', 'sa', '0', 'rp', '')
redis.call('PEXPIRE', KEYS[2], math.max(1, ttl))
return {'rotated'}
`);

const REVOKE_FAMILY = defineScript(`
local rv = redis.call('HGET', KEYS[1], 'rv')
if rv == '0' then
  redis.call('HSET', KEYS[1], 'rv', '1')
  return 1
end
return 0
`);

/**
 * Redis refresh-token store. Rotation is one Lua script: it checks the presented verifier hash,
 * marks the token spent and stores the successor, or, for a token spent longer ago than the
 * grace window, revokes the whole family, all atomically, so N workers racing on one token get
 * exactly one rotation. Only verifier hashes and sealed replays are stored, never a token.
 * A family and its tokens share the family's shard tag (selectors start with it), so on Redis
 * Cluster each family lives on one shard and families spread over all of them. `find` is two
 * single-key reads (token, then its family); `rotate` re-checks both atomically.
 *
 * @example
 * ```ts
 * const refreshStore = createRedisRefreshTokenStore({ client: createRedisClient(process.env.REDIS_URL!) });
 * ```
 */
export function createRedisRefreshTokenStore(options: RedisTokenStoreOptions): RefreshTokenStore {
  checkTokenStoreOptions('createRedisRefreshTokenStore', options);
  const prefix = checkPrefix(options.prefix ?? 'portcullis:tok:', 'refresh token store');
  const clock = options.clock ?? systemClock;
  const run = storeRunner(options);
  const keys = refreshKeys(prefix);
  const fields = (r: RefreshTokenRecord) => [
    r.verifierHash,
    r.familyId,
    r.subject,
    r.issuedAt,
    r.familyIssuedAt,
    r.expiresAt,
    r.familyExpiresAt,
    r.data,
  ];
  return {
    async create(record) {
      checkSelector('refresh token store', record.selector, record.familyId, 'familyId');
      await run(
        CREATE,
        [keys.token(record.selector), keys.family(record.familyId)],
        [...fields(record), clock.now()],
      );
    },
    async find(selector, now) {
      const v = (await run(FIND, [keys.token(selector)], [now])) as (string | null)[] | null;
      if (!v) return undefined;
      const familyId = v[1] ?? '';
      const rv = await run(FAMILY_STATE, [keys.family(familyId)], []);
      if (rv !== '0' && rv !== '1') return undefined;
      if (rv === '0' && v[8] === 'a' && now >= Number(v[5])) return undefined;
      const state = rv === '1' ? 'revoked' : v[8] === 's' ? 'spent' : 'active';
      return {
        selector,
        verifierHash: v[0] ?? '',
        familyId,
        subject: v[2] ?? '',
        issuedAt: Number(v[3]),
        familyIssuedAt: Number(v[4]),
        expiresAt: Number(v[5]),
        familyExpiresAt: Number(v[6]),
        data: v[7] ?? '',
        state,
      } satisfies RefreshTokenEntry;
    },
    async rotate(r): Promise<RefreshRotationResult> {
      const s = r.successor;
      checkSelector('refresh token store', s.selector, s.familyId, 'familyId');
      // A presented selector from another family's shard cannot be this family's token.
      if (selectorTag(r.selector) !== shardTag(s.familyId)) return { outcome: 'unknown' };
      const reply = (await run(
        ROTATE,
        [keys.token(r.selector), keys.token(s.selector), keys.family(s.familyId)],
        [
          s.familyId,
          r.verifierHash,
          r.now,
          r.graceMs,
          r.replay,
          s.verifierHash,
          s.subject,
          s.issuedAt,
          s.familyIssuedAt,
          s.expiresAt,
          s.data,
          s.familyExpiresAt,
        ],
      )) as string[];
      switch (reply[0]) {
        case 'rotated':
          return { outcome: 'rotated' };
        case 'grace':
          return { outcome: 'grace', replay: reply[1] ?? '' };
        case 'reused':
          return { outcome: 'reused', familyId: reply[1] ?? '', subject: reply[2] ?? '' };
        case 'revoked':
          return { outcome: 'revoked' };
        case 'expired':
          return { outcome: 'expired' };
        default:
          return { outcome: 'unknown' };
      }
    },
    async revokeFamily(familyId) {
      return (await run(REVOKE_FAMILY, [keys.family(familyId)], [])) === 1;
    },
  };
}
