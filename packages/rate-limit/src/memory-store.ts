import {
  type Clock,
  ConfigError,
  checkOptions,
  type KnownOptions,
  type RateLimitQuota,
  type RateLimitState,
  type RateLimitStore,
  systemClock,
} from '@portcullis/core';
import { type AlgorithmState, consumeStep, emptyState, refundStep } from './algorithms.js';
import { StateTable } from './state-table.js';

/** Options of {@link createMemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /**
   * Most keys tracked at once (least recently used evicted past it). Default 100,000: a few
   * MB of heap, about 100 bytes per key plus the key itself (docs/rate-limit.md).
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
  // No TTL in the tables: each state carries its own expiry and an expired state counts as
  // absent, so a decision is one lookup and an in-place update (no timers, no re-insert).
  const hot = new StateTable(maxKeys);
  const limited = new StateTable(maxLimited);
  // The one state object every decision works on: read from a slot, stepped, written back.
  const scratch = emptyState();

  const consumeSync = (key: string, quota: RateLimitQuota, cost: number): RateLimitState => {
    const now = clock.now();
    // A key lives in exactly one of the two tables; the hot one is tried first because it
    // holds nearly every key (one lookup per decision in the common case).
    const inHot = hot.find(key);
    const inLimited = inHot === -1 ? limited.find(key) : -1;
    let state: AlgorithmState;
    if (inHot !== -1) state = hot.read(inHot, scratch);
    else if (inLimited !== -1) state = limited.read(inLimited, scratch);
    else state = clearState(scratch);
    const decision = consumeStep(state, quota, cost, now);
    const exhausted = !decision.allowed || decision.remaining === 0;
    if (inLimited !== -1) {
      if (exhausted) limited.write(inLimited, state);
      else {
        limited.delete(key);
        hot.insert(key, state);
      }
    } else if (exhausted) {
      if (inHot !== -1) hot.delete(key);
      limited.insert(key, state);
    } else if (inHot !== -1) hot.write(inHot, state);
    else hot.insert(key, state);
    return decision;
  };

  const store: MemoryRateLimitStore = {
    consumeSync,
    consume(key, quota, cost) {
      return Promise.resolve(consumeSync(key, quota, cost));
    },
    refund(key, quota, cost) {
      const now = clock.now();
      const inLimited = limited.find(key);
      if (inLimited !== -1) {
        const s = limited.read(inLimited, scratch);
        refundStep(s, quota, cost, now);
        limited.delete(key);
        hot.insert(key, s);
      } else {
        const slot = hot.find(key);
        if (slot !== -1) {
          const s = hot.read(slot, scratch);
          refundStep(s, quota, cost, now);
          hot.write(slot, s);
        }
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

/** Resets `s` to the state of a key never seen. */
function clearState(s: AlgorithmState): AlgorithmState {
  s.a = 0;
  s.b = 0;
  s.c = 0;
  s.d = 0;
  s.expiresAt = 0;
  return s;
}

/** True for stores built by {@link createMemoryRateLimitStore} (in-process: nothing to spare, nothing to fail). */
export function isMemoryRateLimitStore(store: RateLimitStore): store is MemoryRateLimitStore {
  return MEMORY_STORES.has(store);
}
