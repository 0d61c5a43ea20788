/**
 * The memory store as it was built on lru-cache (through core's createMemoryTtlStore), kept as
 * the oracle of the differential tests: the store's own state table must reach the same
 * decisions and evict the same keys.
 */
import { type Clock, createMemoryTtlStore, type RateLimitQuota, type RateLimitState } from '@portcullis/core';
import { type AlgorithmState, consumeStep, emptyState, refundStep } from '../src/algorithms.js';

export interface OracleStore {
  consume(key: string, quota: RateLimitQuota, cost: number): RateLimitState;
  refund(key: string, quota: RateLimitQuota, cost: number): void;
  reset(key: string): void;
  has(key: string): boolean;
  readonly size: number;
  readonly limitedSize: number;
}

export function createLruOracleStore(maxKeys: number, maxLimited: number, clock: Clock): OracleStore {
  const hot = createMemoryTtlStore<AlgorithmState>({ max: maxKeys, clock });
  const limited = createMemoryTtlStore<AlgorithmState>({ max: maxLimited, clock });
  return {
    consume(key, quota, cost) {
      const now = clock.now();
      const inHot = hot.get(key);
      const inLimited = inHot === undefined ? limited.get(key) : undefined;
      const state = inHot ?? inLimited ?? emptyState();
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
    },
    reset(key) {
      hot.delete(key);
      limited.delete(key);
    },
    has: (key) => hot.has(key) || limited.has(key),
    get size() {
      return hot.size + limited.size;
    },
    get limitedSize() {
      return limited.size;
    },
  };
}
