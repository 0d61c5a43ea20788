import { type Clock, systemClock } from './clock.js';
import { ConfigError } from './errors.js';

/** Options of {@link createMemoryTtlStore}. */
export interface MemoryTtlStoreOptions {
  /** Maximum number of entries; the least recently used entry is evicted past it. Required: memory must be bounded. */
  max: number;
  /** Default time to live in ms for entries set without one. 0 or absent: no default TTL. */
  ttlMs?: number | undefined;
  clock?: Clock | undefined;
}

/**
 * A bounded in-memory key/value store with a TTL per entry. The embedded default behind the memory
 * implementations of Portcullis's store contracts. Single-threaded, so each method is atomic
 * within one process. It behaves as lru-cache configured for it (`ttlResolution: 0`, no
 * autopurge, stale entries never returned), which stays its oracle in a differential test; core
 * carries its own because lru-cache 11.3+ ships 3.3 MB of builds, the largest part of an install
 * that only rate-limits (issue 15).
 */
export interface MemoryTtlStore<V extends NonNullable<unknown>> {
  get(key: string): V | undefined;
  /** Reads without refreshing the entry's recency. */
  peek(key: string): V | undefined;
  /** Stores `value`; `ttlMs` overrides the default TTL for this entry (0: no expiry). An entry expires once its age exceeds its TTL. */
  set(key: string, value: V, ttlMs?: number): void;
  delete(key: string): boolean;
  has(key: string): boolean;
  /** Milliseconds left before `key` expires: `Infinity` without a TTL, 0 when absent. */
  remainingTtl(key: string): number;
  clear(): void;
  readonly size: number;
  readonly max: number;
}

/**
 * Creates a bounded TTL store. Time comes from the injected clock, so TTLs are testable
 * without sleeping.
 *
 * @example
 * ```ts
 * const seen = createMemoryTtlStore<number>({ max: 10_000, ttlMs: 60_000 });
 * seen.set('jti-123', 1);
 * ```
 */
export function createMemoryTtlStore<V extends NonNullable<unknown>>(
  options: MemoryTtlStoreOptions,
): MemoryTtlStore<V> {
  const { max } = options;
  if (!Number.isInteger(max) || max < 1)
    throw new ConfigError('memory store: max must be a positive integer');
  const ttl = options.ttlMs ?? 0;
  if (!Number.isFinite(ttl) || ttl < 0)
    throw new ConfigError('memory store: ttlMs must be a non-negative number');
  const clock = options.clock ?? systemClock;
  // A Map iterates in insertion order: the first key is the least recently used one.
  const entries = new Map<string, Entry<V>>();
  const stale = (e: Entry<V>) => e.ttl > 0 && clock.now() - e.start > e.ttl;
  /** The live entry of `key`, dropping it once stale (as lru-cache's get does). */
  const live = (key: string): Entry<V> | undefined => {
    const e = entries.get(key);
    if (e === undefined) return undefined;
    if (!stale(e)) return e;
    entries.delete(key);
    return undefined;
  };
  return {
    get(key) {
      const e = live(key);
      if (e === undefined) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return e.value;
    },
    peek(key) {
      const e = entries.get(key);
      return e === undefined || stale(e) ? undefined : e.value;
    },
    set(key, value, ttlMs) {
      const entry = { value, start: clock.now(), ttl: ttlMs === undefined ? ttl : Math.max(0, ttlMs) };
      if (entries.has(key)) entries.delete(key);
      else if (entries.size >= max) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(key, entry);
    },
    delete: (key) => entries.delete(key),
    has(key) {
      const e = entries.get(key);
      return e !== undefined && !stale(e);
    },
    remainingTtl(key) {
      const e = entries.get(key);
      if (e === undefined || stale(e)) return 0;
      return e.ttl === 0 ? Number.POSITIVE_INFINITY : e.ttl - (clock.now() - e.start);
    },
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
    max,
  };
}

/** One stored value: when it was set, and its TTL (0: none). */
interface Entry<V> {
  value: V;
  start: number;
  ttl: number;
}
