import {
  type Clock,
  checkOptions,
  createMemoryTtlStore,
  type KnownOptions,
  type ResetTokenRecord,
  type ResetTokenStore,
} from '@portcullis/core';

/** Options of {@link createMemoryResetTokenStore}. */
export interface MemoryResetTokenStoreOptions {
  /** Most outstanding tokens kept (least recently used evicted). Default 10 000. */
  max?: number | undefined;
  clock?: Clock | undefined;
}

/**
 * The embedded default reset-token store: bounded (lru-cache through core's TTL store), one
 * process only. Single-threaded, so `take` is atomic. Use the Redis store for several workers.
 *
 * @example
 * ```ts
 * const store = createMemoryResetTokenStore();
 * ```
 */
export function createMemoryResetTokenStore(options: MemoryResetTokenStoreOptions = {}): ResetTokenStore {
  checkOptions('createMemoryResetTokenStore', options, {
    max: true,
    clock: true,
  } satisfies KnownOptions<MemoryResetTokenStoreOptions>);
  const max = options.max ?? 10_000;
  const tokens = createMemoryTtlStore<ResetTokenRecord>({ max, clock: options.clock });
  const byUser = createMemoryTtlStore<Set<string>>({ max, clock: options.clock });
  return {
    async save(selector, record, ttlMs) {
      tokens.set(selector, record, ttlMs);
      const set = byUser.get(record.userId) ?? new Set<string>();
      set.add(selector);
      byUser.set(record.userId, set, ttlMs);
    },
    async peek(selector) {
      return tokens.get(selector);
    },
    async take(selector) {
      const record = tokens.get(selector);
      if (!record) return undefined;
      tokens.delete(selector);
      byUser.get(record.userId)?.delete(selector);
      return record;
    },
    async deleteForUser(userId) {
      const set = byUser.get(userId);
      if (!set) return 0;
      let n = 0;
      for (const s of set) if (tokens.delete(s)) n++;
      byUser.delete(userId);
      return n;
    },
  };
}
