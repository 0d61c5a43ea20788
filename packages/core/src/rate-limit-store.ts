/**
 * The rate-limit store contract: atomic operations only. A store never exposes get-then-set,
 * because parallel requests would all read the same stale count and all pass (better-auth
 * dropped its get/set rate-limit storage for that reason). Each call computes the decision
 * inside the store (one Lua script in Redis, one synchronous step in memory).
 */

/**
 * Algorithms every store implements.
 * - `fixed-window`: a counter per window that starts with the key's first hit. Cheap, but lets
 *   up to 2x the limit through across a window edge.
 * - `sliding-window`: the sliding-window counter (current window plus the previous one weighted
 *   by its overlap). No edge burst; the default.
 * - `token-bucket`: `limit` tokens, refilled continuously at `limit / windowMs`.
 * - `gcra`: the generic cell rate algorithm (one timestamp per key), a smooth token bucket.
 */
export type RateLimitAlgorithm = 'fixed-window' | 'sliding-window' | 'token-bucket' | 'gcra';

/** What a store needs to know of a rule to decide. */
export interface RateLimitQuota {
  readonly algorithm: RateLimitAlgorithm;
  /** Requests (cost units) allowed per window; an integer >= 1. */
  readonly limit: number;
  /** Window length in ms; an integer >= 1. */
  readonly windowMs: number;
}

/** The outcome of one atomic {@link RateLimitStore.consume}, computed inside the store. */
export interface RateLimitState {
  /** Whether the cost was admitted (and counted). A refused request is not counted. */
  readonly allowed: boolean;
  /** Cost units still available right now (0 when refused or exhausted). */
  readonly remaining: number;
  /** Ms until the quota is fully available again (draft-10's `t`). */
  readonly resetMs: number;
  /** When refused: ms until a request of this cost could pass (`Retry-After`). 0 when allowed. */
  readonly retryAfterMs: number;
}

/**
 * A rate-limit store. Every method is atomic with respect to concurrent callers, including
 * callers in other processes for shared stores. Keys are opaque, already hashed to a bounded
 * length by the caller.
 */
export interface RateLimitStore {
  /** Counts `cost` against `key` if the quota allows it, and says what is left. */
  consume(key: string, quota: RateLimitQuota, cost: number): Promise<RateLimitState>;
  /** Gives back `cost` units consumed earlier (e.g. a login that succeeded). Never goes below empty. */
  refund(key: string, quota: RateLimitQuota, cost: number): Promise<void>;
  /** Forgets `key` entirely (e.g. consecutive failures after a success). */
  reset(key: string): Promise<void>;
  /**
   * Optional: the failure domain `key` lives in (for Redis Cluster, the shard that owns the
   * key's slot right now). Callers keep one circuit breaker per partition, so a dead shard
   * degrades only its own keys. Absent, or `undefined` for a key: one domain for everything.
   * Must be cheap and synchronous (it runs on every decision).
   */
  partitionOf?(key: string): string | undefined;
}
