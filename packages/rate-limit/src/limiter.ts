import {
  type CircuitBreaker,
  type Clock,
  ConfigError,
  checkOptions,
  createCircuitBreaker,
  createMemoryTtlStore,
  type EventBus,
  type KnownOptions,
  type MemoryTtlStore,
  type RateLimitAlgorithm,
  type RateLimitQuota,
  type RateLimitState,
  type RateLimitStore,
  type SecurityContext,
  StoreError,
  systemClock,
} from '@portcullis/core';
import { createMemoryRateLimitStore, isMemoryRateLimitStore } from './memory-store.js';

/**
 * What to do when the store fails (error, timeout, open circuit):
 * - `closed`: refuse with 503 (`StoreError`); right for login, where failing open hands an
 *   attacker unlimited guesses while Redis is down.
 * - `local`: count in a bounded in-memory limiter for the duration (per process, so N workers
 *   admit up to N times the limit); the default elsewhere.
 * - `open`: admit everything.
 */
export type StoreFailurePolicy = 'closed' | 'local' | 'open';

/** How a decision was reached. */
export type DecisionSource = 'store' | 'block-cache' | 'local' | 'open';

/** A store decision plus where it came from. */
export interface GuardedState extends RateLimitState {
  readonly source: DecisionSource;
}

/** Options of the store guard shared by every rule of a policy (and the login guard). */
export interface StoreGuardOptions {
  /**
   * The app's security context: its clock, event bus and client-address resolver are used
   * unless `clock`, `events` or `clientAddress` are given explicitly.
   */
  context?: SecurityContext | undefined;
  /** The store. Default: a memory store with default bounds. */
  store?: RateLimitStore | undefined;
  clock?: Clock | undefined;
  /** Where `ratelimit_exceeded`, `sys_store_unavailable` and `sys_store_recovered` go. */
  events?: EventBus | undefined;
  /**
   * Circuit breaker around the store (core's createCircuitBreaker), or `false` for none: one
   * per failure domain the store names (`partitionOf`, e.g. each Redis Cluster shard).
   * Defaults: 3 consecutive failures open it, one probe after 5 s.
   */
  breaker?: { failureThreshold?: number | undefined; cooldownMs?: number | undefined } | false | undefined;
  /** Bounds of the `local` fallback limiter. Default 10,000 keys. */
  fallbackMaxKeys?: number | undefined;
  /**
   * In-process block cache: a key known to be exhausted is refused locally until its retry
   * time, sparing the store under attack. Size in keys, or `false`. Default 10,000.
   */
  blockCacheMaxKeys?: number | false | undefined;
}

/** Context of one call, for events. */
export interface ConsumeContext {
  readonly rule: string;
  readonly onStoreFailure: StoreFailurePolicy;
  readonly clientAddress?: string | undefined;
  readonly userId?: string | undefined;
}

/** The store behind its breaker, failure policy and block cache. */
export interface StoreGuard {
  consume(key: string, quota: RateLimitQuota, cost: number, ctx: ConsumeContext): Promise<GuardedState>;
  /** Best effort: a refund lost to a store outage only makes the limit stricter. */
  refund(key: string, quota: RateLimitQuota, cost: number): Promise<void>;
  /** Best effort, like refund. */
  reset(key: string): Promise<void>;
  /** The breaker of the store's default domain (the only one unless the store has partitions). */
  readonly breaker: CircuitBreaker | undefined;
  readonly clock: Clock;
  readonly events: EventBus | undefined;
}

/** The option names of {@link StoreGuardOptions}, shared by every factory that extends it. */
export const STORE_GUARD_OPTIONS = {
  context: true,
  store: true,
  clock: true,
  events: true,
  breaker: true,
  fallbackMaxKeys: true,
  blockCacheMaxKeys: true,
} as const satisfies KnownOptions<StoreGuardOptions>;

const LIMITER_OPTIONS = {
  ...STORE_GUARD_OPTIONS,
  id: true,
  algorithm: true,
  limit: true,
  windowMs: true,
  onStoreFailure: true,
} as const satisfies KnownOptions<RateLimiterOptions>;

/** Builds the guard (internal; policies and the login guard share one per store). */
export function createStoreGuard(options: StoreGuardOptions = {}): StoreGuard {
  const clock = options.clock ?? options.context?.clock ?? systemClock;
  const store = options.store ?? createMemoryRateLimitStore({ clock });
  const events = options.events ?? options.context?.events;
  // One breaker per failure domain of the store (a Redis Cluster shard, see
  // RateLimitStore.partitionOf): a dead shard opens only its own breaker, so keys on healthy
  // shards keep exact shared counting. A store without partitions has one domain, ''.
  const breakers = new Map<string, CircuitBreaker>();
  const partitionOf = store.partitionOf?.bind(store);
  const newBreaker = (partition: string) =>
    createCircuitBreaker({
      failureThreshold: options.breaker === false ? undefined : options.breaker?.failureThreshold,
      cooldownMs: options.breaker === false ? undefined : options.breaker?.cooldownMs,
      clock,
      onStateChange(to) {
        const attributes = partition === '' ? undefined : { partition };
        if (to === 'open')
          events?.publish({
            name: 'sys_store_unavailable',
            resource: 'rate-limit',
            reason: 'ERR_STORE_UNAVAILABLE',
            attributes,
          });
        else if (to === 'closed')
          events?.publish({ name: 'sys_store_recovered', resource: 'rate-limit', attributes });
      },
    });
  const breaker = options.breaker === false ? undefined : newBreaker('');
  const breakerFor = (key: string): CircuitBreaker | undefined => {
    if (breaker === undefined || partitionOf === undefined) return breaker;
    const partition = partitionOf(key);
    if (partition === undefined || partition === '') return breaker;
    let b = breakers.get(partition);
    if (b === undefined) {
      // Shards are few; a store naming unboundedly many partitions shares the default breaker.
      if (breakers.size >= 1024) return breaker;
      b = newBreaker(partition);
      breakers.set(partition, b);
    }
    return b;
  };
  let fallback: RateLimitStore | undefined;
  const fallbackMax = options.fallbackMaxKeys ?? 10_000;
  const blockMax = options.blockCacheMaxKeys ?? 10_000;
  const blocks: MemoryTtlStore<number> | undefined =
    blockMax === false ? undefined : createMemoryTtlStore<number>({ max: blockMax, clock });

  const refused = (state: GuardedState, key: string, quota: RateLimitQuota, ctx: ConsumeContext) => {
    events?.publish({
      name: 'ratelimit_exceeded',
      clientAddress: ctx.clientAddress,
      userId: ctx.userId,
      resource: ctx.rule,
      reason: 'ERR_RATELIMIT_EXCEEDED',
      attributes: { limit: quota.limit, windowMs: quota.windowMs, source: state.source, key },
    });
    return state;
  };

  const onFailure = async (
    err: unknown,
    key: string,
    quota: RateLimitQuota,
    cost: number,
    ctx: ConsumeContext,
  ): Promise<GuardedState> => {
    if (ctx.onStoreFailure === 'open') {
      return { allowed: true, remaining: quota.limit, resetMs: 0, retryAfterMs: 0, source: 'open' };
    }
    if (ctx.onStoreFailure === 'local') {
      fallback ??= createMemoryRateLimitStore({ maxKeys: fallbackMax, clock });
      const s = await fallback.consume(key, quota, cost);
      return { ...s, source: 'local' };
    }
    if (err instanceof StoreError) throw err;
    throw new StoreError('ERR_STORE_UNAVAILABLE', 'the rate-limit store failed', { cause: err });
  };

  const remoteConsume = async (
    key: string,
    quota: RateLimitQuota,
    cost: number,
    ctx: ConsumeContext,
  ): Promise<GuardedState> => {
    if (blocks !== undefined) {
      const until = blocks.get(key);
      if (until !== undefined) {
        const wait = until - clock.now();
        if (wait > 0) {
          const s: GuardedState = {
            allowed: false,
            remaining: 0,
            resetMs: wait,
            retryAfterMs: wait,
            source: 'block-cache',
          };
          return refused(s, key, quota, ctx);
        }
      }
    }
    let state: GuardedState;
    const breaker = breakerFor(key);
    if (breaker !== undefined && !breaker.allow()) {
      state = await onFailure(
        new StoreError('ERR_STORE_UNAVAILABLE', 'circuit open: the rate-limit store failed repeatedly'),
        key,
        quota,
        cost,
        ctx,
      );
    } else {
      try {
        state = { ...(await store.consume(key, quota, cost)), source: 'store' };
        breaker?.success();
      } catch (err) {
        breaker?.failure();
        state = await onFailure(err, key, quota, cost, ctx);
      }
    }
    if (!state.allowed) {
      if (blocks !== undefined && state.source === 'store' && state.remaining === 0) {
        blocks.set(key, clock.now() + state.retryAfterMs, state.retryAfterMs);
      }
      return refused(state, key, quota, ctx);
    }
    return state;
  };

  // A memory store is in-process: there is no I/O to spare and nothing that can fail, so no
  // block cache and no breaker in front of it, and no promise chain per decision.
  const local = isMemoryRateLimitStore(store) ? store : undefined;

  return {
    breaker,
    clock,
    events,
    consume(key, quota, cost, ctx) {
      if (local === undefined) return remoteConsume(key, quota, cost, ctx);
      const s = local.consumeSync(key, quota, cost);
      const g: GuardedState = {
        allowed: s.allowed,
        remaining: s.remaining,
        resetMs: s.resetMs,
        retryAfterMs: s.retryAfterMs,
        source: 'store',
      };
      return Promise.resolve(g.allowed ? g : refused(g, key, quota, ctx));
    },
    async refund(key, quota, cost) {
      blocks?.delete(key);
      try {
        await store.refund(key, quota, cost);
      } catch {
        await fallback?.refund(key, quota, cost);
      }
    },
    async reset(key) {
      blocks?.delete(key);
      try {
        await store.reset(key);
      } catch {
        await fallback?.reset(key);
      }
    },
  };
}

/** Checks a quota definition at start-up (never per request). */
export function validateQuota(
  id: string,
  q: { algorithm: RateLimitAlgorithm; limit: number; windowMs: number },
): void {
  const algorithms: readonly string[] = ['fixed-window', 'sliding-window', 'token-bucket', 'gcra'];
  if (!algorithms.includes(q.algorithm))
    throw new ConfigError(`rule "${id}": unknown algorithm "${q.algorithm}"`);
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 1e9)
    throw new ConfigError(`rule "${id}": limit must be an integer from 1 to 1e9`);
  if (!Number.isInteger(q.windowMs) || q.windowMs < 1 || q.windowMs > 366 * 86_400_000)
    throw new ConfigError(`rule "${id}": windowMs must be an integer from 1 ms to a year`);
}

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions extends StoreGuardOptions {
  /** Name of the limit (headers, events). Default `default`. */
  id?: string | undefined;
  /** Default `sliding-window`. */
  algorithm?: RateLimitAlgorithm | undefined;
  limit: number;
  windowMs: number;
  /** Default `local`. */
  onStoreFailure?: StoreFailurePolicy | undefined;
}

/** A key-level limiter: one quota, keys chosen by the caller. */
export interface RateLimiter {
  /** Counts `cost` (default 1) against `key`: increment first, so parallel calls cannot all pass. */
  consume(key: string, cost?: number): Promise<GuardedState>;
  refund(key: string, cost?: number): Promise<void>;
  reset(key: string): Promise<void>;
  readonly quota: RateLimitQuota;
}

/**
 * A limiter for one quota, when the caller chooses keys itself (jobs, WebSocket messages,
 * per-tenant quotas). HTTP routes use {@link createRateLimitPolicy}.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ limit: 120, windowMs: 60_000 });
 * const d = await limiter.consume(`tenant:${tenantId}`);
 * if (!d.allowed) throw new Error(`retry in ${d.retryAfterMs} ms`);
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  checkOptions('createRateLimiter', options, LIMITER_OPTIONS);
  const id = options.id ?? 'default';
  const quota: RateLimitQuota = {
    algorithm: options.algorithm ?? 'sliding-window',
    limit: options.limit,
    windowMs: options.windowMs,
  };
  validateQuota(id, quota);
  const guard = createStoreGuard(options);
  const ctx: ConsumeContext = { rule: id, onStoreFailure: options.onStoreFailure ?? 'local' };
  return {
    quota,
    consume: (key, cost = 1) => guard.consume(key, quota, cost, ctx),
    refund: (key, cost = 1) => guard.refund(key, quota, cost),
    reset: (key) => guard.reset(key),
  };
}
