import {
  type Clock,
  ConfigError,
  checkOptions,
  createMemoryTtlStore,
  type KnownOptions,
  type MemoryTtlStore,
  type RateLimitQuota,
  type RateLimitState,
  type RateLimitStore,
  systemClock,
} from '@portcullis/core';
import { type AlgorithmState, consumeStep, emptyState, refundStep } from './algorithms.js';

/** Options of {@link createMemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /**
   * Most keys tracked at once (least recently used evicted past it). Default 100,000, about
   * 32 MB of heap with the limited cache full (about 300 bytes per key; docs/rate-limit.md).
   */
  maxKeys?: number | undefined;
  /**
   * Most exhausted keys kept apart from the main cache. Default `maxKeys / 10`. A key whose
   * quota is used up lives here until it recovers, so a flood of fresh keys (spoofed
   * addresses, random usernames) cannot evict it and reset its count.
   */
  maxLimitedKeys?: number | undefined;
  clock?: Clock | undefined;
}

/** The memory store, with its sizes for monitoring. */
export interface MemoryRateLimitStore extends RateLimitStore {
  /** {@link RateLimitStore.consume} without the promise (in-process, so nothing to wait for). */
  consumeSync(key: string, quota: RateLimitQuota, cost: number): RateLimitState;
  /** Keys currently held (main cache + exhausted keys). */
  readonly size: number;
  /** Exhausted keys currently held apart. */
  readonly limitedSize: number;
}

const MEMORY_STORE_OPTIONS = {
  maxKeys: true,
  maxLimitedKeys: true,
  clock: true,
} as const satisfies KnownOptions<MemoryRateLimitStoreOptions>;

/**
 * The embedded rate-limit store: O(1) per decision, bounded by `maxKeys`, single-threaded so
 * every call is atomic within the process.
 *
 * Eviction policy (why two caches): a bounded LRU alone lets an attacker flood it with unique
 * keys until the entry of a key it has exhausted is evicted, which resets that key's count.
 * Here an exhausted key moves to a separate bounded cache that only other exhausted keys can
 * evict, and each of those costs the attacker a full quota of requests.
 *
 * @example
 * ```ts
 * const store = createMemoryRateLimitStore({ maxKeys: 50_000 });
 * await store.consume('ip:192.0.2.1', { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 }, 1);
 * ```
 */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): MemoryRateLimitStore {
  checkOptions('createMemoryRateLimitStore', options, MEMORY_STORE_OPTIONS);
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new ConfigError('maxKeys must be a positive integer');
  const maxLimited = options.maxLimitedKeys ?? Math.max(1, Math.floor(maxKeys / 10));
  if (!Number.isInteger(maxLimited) || maxLimited < 1)
    throw new ConfigError('maxLimitedKeys must be a positive integer');
  const clock = options.clock ?? systemClock;
  // No TTL in the caches: each state carries its own expiry and an expired state counts as
  // absent, so a decision is one lookup and an in-place update (no timers, no re-insert).
  const hot: MemoryTtlStore<AlgorithmState> = createMemoryTtlStore({ max: maxKeys, clock });
  const limited: MemoryTtlStore<AlgorithmState> = createMemoryTtlStore({ max: maxLimited, clock });

  const consumeSync = (key: string, quota: RateLimitQuota, cost: number): RateLimitState => {
    const now = clock.now();
    // A key lives in exactly one of the two caches; the hot one is tried first because it
    // holds nearly every key (one lookup per decision in the common case).
    const inHot = hot.get(key);
    const inLimited = inHot === undefined ? limited.get(key) : undefined;
    const before = inHot ?? inLimited;
    const state = before ?? emptyState();
    const decision = consumeStep(state, quota, cost, now);
    const exhausted = !decision.allowed || decision.remaining === 0;
    if (inLimited !== undefined) {
      if (!exhausted) {
        limited.delete(key);
        hot.set(key, state);
      }
    } else if (exhausted) {
      if (inHot !== undefined) hot.delete(key);
      limited.set(key, state);
    } else if (inHot === undefined) hot.set(key, state);
    return decision;
  };

  const store: MemoryRateLimitStore = {
    consumeSync,
    consume(key, quota, cost) {
      return Promise.resolve(consumeSync(key, quota, cost));
    },
    refund(key, quota, cost) {
      const now = clock.now();
      const inLimited = limited.get(key);
      if (inLimited !== undefined) {
        refundStep(inLimited, quota, cost, now);
        limited.delete(key);
        hot.set(key, inLimited);
      } else {
        const s = hot.get(key);
        if (s !== undefined) refundStep(s, quota, cost, now);
      }
      return Promise.resolve();
    },
    reset(key) {
      hot.delete(key);
      limited.delete(key);
      return Promise.resolve();
    },
    get size() {
      return hot.size + limited.size;
    },
    get limitedSize() {
      return limited.size;
    },
  };
  MEMORY_STORES.add(store);
  return store;
}

const MEMORY_STORES = new WeakSet<object>();

/** True for stores built by {@link createMemoryRateLimitStore} (in-process: nothing to spare, nothing to fail). */
export function isMemoryRateLimitStore(store: RateLimitStore): store is MemoryRateLimitStore {
  return MEMORY_STORES.has(store);
}
