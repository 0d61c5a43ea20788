import type { CircuitBreaker, Clock, RateLimitQuota, RateLimitState, RateLimitStore } from '@portcullis/core';
import { ConfigError } from '@portcullis/core';
import type { RedisClientLike } from './client.js';
import { createScriptRunner, defineScript } from './script.js';

/**
 * One script for every decision: read the key's state, decide, write it back with its expiry,
 * all in one atomic step on one key (so it runs on Redis Cluster without hash tags). Time is
 * Redis `TIME`, so the clocks of the workers never matter. It mirrors
 * packages/rate-limit/src/algorithms.ts line for line; the shared store contract suite runs
 * against both. State: one string "a b c e" (see AlgorithmState; e is the expiry in epoch ms),
 * read with GET and written with SET PX (value and TTL in one command).
 */
const DECIDE = defineScript(`
local key = KEYS[1]
local alg = ARGV[1]
local L = tonumber(ARGV[2])
local W = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local op = ARGV[5]
local now
if ARGV[6] ~= '' then
  now = tonumber(ARGV[6])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local EPS = 1e-9
local a, b, c, e
local raw = redis.call('GET', key)
if raw then
  local x1, x2, x3, x4 = string.match(raw, '^(%S+) (%S+) (%S+) (%S+)$')
  a, b, c, e = tonumber(x1), tonumber(x2), tonumber(x3), tonumber(x4)
end
local isNew = (e == nil) or (e <= now)
if isNew then a = 0; b = 0; c = 0; e = 0 end
local function fmt(x) return string.format('%.17g', x) end
local function save()
  redis.call('SET', key, fmt(a) .. ' ' .. fmt(b) .. ' ' .. fmt(c) .. ' ' .. fmt(e), 'PX', math.max(1, math.ceil(e - now)))
end
local function res(allowed, remaining, resetMs, retry)
  remaining = math.max(0, math.floor(remaining + EPS))
  resetMs = math.max(0, math.ceil(resetMs))
  if allowed then retry = 0 else retry = math.max(1, math.ceil(retry)) end
  return { allowed and 1 or 0, remaining, resetMs, retry }
end

if op == 'r' then
  if isNew then return { 1, 0, 0, 0 } end
  if alg == 'fixed-window' then
    b = math.max(0, b - cost)
  elseif alg == 'sliding-window' then
    local ws = math.floor(now / W) * W
    if a ~= ws then
      if a == ws - W then c = b else c = 0 end
      b = 0; a = ws; e = ws + 2 * W
    end
    local fromCurrent = math.min(b, cost)
    b = b - fromCurrent
    c = math.max(0, c - (cost - fromCurrent))
  elseif alg == 'token-bucket' then
    b = math.min(L, b + math.max(0, now - a) * (L / W) + cost)
    a = math.max(a, now)
  else
    a = math.max(now, a - cost * (W / L))
  end
  save()
  return { 1, 0, 0, 0 }
end

if alg == 'fixed-window' then
  if isNew or now >= a + W then a = now; b = 0 end
  local finish = a + W
  local allowed = b + cost <= L
  if allowed then b = b + cost end
  e = finish
  save()
  return res(allowed, L - b, finish - now, finish - now)
elseif alg == 'sliding-window' then
  local ws = math.floor(now / W) * W
  if isNew then
    b = 0; c = 0
  elseif a ~= ws then
    if a == ws - W then c = b else c = 0 end
    b = 0
  end
  a = ws
  local elapsed = now - ws
  local weight = (W - elapsed) / W
  local allowed = c * weight + b + cost <= L + EPS
  if allowed then b = b + cost end
  e = ws + 2 * W
  save()
  local remaining = L - (c * weight + b)
  local retry = 0
  if not allowed then
    if b + cost <= L then
      retry = W * (1 - (L - b - cost) / c) - elapsed
    else
      local need
      if cost > L then need = W else need = math.max(0, W * (1 - (L - cost) / b)) end
      retry = W - elapsed + need
    end
  end
  local reset = retry
  if allowed then reset = W - elapsed end
  return res(allowed, remaining, reset, retry)
elseif alg == 'token-bucket' then
  local rate = L / W
  if isNew then
    a = now; b = L
  else
    b = math.min(L, b + math.max(0, now - a) * rate)
    a = math.max(a, now)
  end
  local allowed = b + EPS >= cost
  if allowed then b = math.max(0, b - cost) end
  local full = (L - b) / rate
  e = now + math.max(1, math.ceil(full))
  save()
  return res(allowed, b, full, (cost - b) / rate)
else
  local T = W / L
  local tat = now
  if not isNew then tat = math.max(a, now) end
  local nxt = tat + cost * T
  local allowed = nxt - now <= W + EPS
  if allowed then a = nxt else a = tat end
  e = math.max(now + 1, math.ceil(a))
  save()
  local used = a - now
  return res(allowed, (W - used) / T, used, nxt - W - now)
end
`);

const RESET = defineScript(`return redis.call('DEL', KEYS[1])`);

/** Options of {@link createRedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** An ioredis client from `createRedisClient` (no offline queue), or a Cluster. */
  client: RedisClientLike;
  /** Prefix of every key. Default `portcullis:rl:`. */
  prefix?: string | undefined;
  /** Per-call deadline in ms; past it the call fails with `ERR_STORE_TIMEOUT`. Default 250. */
  timeoutMs?: number | undefined;
  /**
   * Optional breaker inside the store. The rate-limit policy already wraps the store in one
   * (with events and the rule's failure policy), so leave this unset when used through it.
   */
  breaker?: CircuitBreaker | undefined;
  /**
   * Tests only: take time from this clock instead of Redis `TIME`. In production leave it
   * unset, so that every worker shares Redis's clock.
   */
  clock?: Clock | undefined;
}

function toState(reply: unknown): RateLimitState {
  const r = reply as [number, number, number, number];
  return { allowed: r[0] === 1, remaining: r[1], resetMs: r[2], retryAfterMs: r[3] };
}

/**
 * The Redis rate-limit store: one EVALSHA per decision (NOSCRIPT reloads the script once),
 * atomic across every worker and machine sharing the Redis, every key with its TTL set in the
 * same script, one key per call so it works on Redis Cluster.
 *
 * @example
 * ```ts
 * const redis = createRedisClient(process.env.REDIS_URL!);
 * const policy = createRateLimitPolicy({ ...BACKLOG_ZONES, store: createRedisRateLimitStore({ client: redis }) });
 * ```
 */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore {
  const prefix = options.prefix ?? 'portcullis:rl:';
  if (typeof prefix !== 'string') throw new ConfigError('prefix must be a string');
  const run = createScriptRunner(options.client, {
    timeoutMs: options.timeoutMs ?? 250,
    breaker: options.breaker,
  });
  const clock = options.clock;
  const nowArg = () => (clock === undefined ? '' : String(clock.now()));
  const call = (op: 'c' | 'r', key: string, q: RateLimitQuota, cost: number) =>
    run(DECIDE, [prefix + key], [q.algorithm, q.limit, q.windowMs, cost, op, nowArg()]);
  return {
    async consume(key, quota, cost) {
      return toState(await call('c', key, quota, cost));
    },
    async refund(key, quota, cost) {
      await call('r', key, quota, cost);
    },
    async reset(key) {
      await run(RESET, [prefix + key], []);
    },
  };
}
