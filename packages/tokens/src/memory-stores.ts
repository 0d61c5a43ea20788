import {
  type Clock,
  checkOptions,
  createMemoryTtlStore,
  emitPortcullisWarning,
  type KnownOptions,
  type RefreshRotation,
  type RefreshRotationResult,
  type RefreshTokenEntry,
  type RefreshTokenRecord,
  type RefreshTokenStore,
  type RevocationStore,
  systemClock,
} from '@portcullis/core';

/** Options of the memory stores. */
export interface MemoryTokenStoreOptions {
  /** Maximum entries kept (memory stays bounded; the least recently used entry goes first). Default 100 000. */
  max?: number | undefined;
  clock?: Clock | undefined;
  /** Emit the start-up warning that revocations are lost on restart. Default true. */
  warn?: boolean | undefined;
}

const MEMORY_STORE_OPTIONS = {
  max: true,
  clock: true,
  warn: true,
} as const satisfies KnownOptions<MemoryTokenStoreOptions>;

let warned = false;
function warnVolatile(what: string, enabled: boolean | undefined): void {
  if (enabled === false || warned) return;
  warned = true;
  emitPortcullisWarning(
    `${what} keeps revocations in this process only: they are lost on restart and not shared between workers; use the Redis stores from @portcullis/redis in production`,
  );
}

/**
 * In-memory revocation store, the embedded default. Bounded (lru-cache): size it above the number
 * of logouts expected within one access-token lifetime. Warns once at start-up that its
 * revocations are lost on restart.
 *
 * @example
 * ```ts
 * const revocations = createMemoryRevocationStore({ max: 50_000 });
 * ```
 */
export function createMemoryRevocationStore(options: MemoryTokenStoreOptions = {}): RevocationStore {
  checkOptions('createMemoryRevocationStore', options, MEMORY_STORE_OPTIONS);
  const max = options.max ?? 100_000;
  const clock = options.clock ?? systemClock;
  const tokens = createMemoryTtlStore<number>({ max, clock });
  const subjects = createMemoryTtlStore<number>({ max, clock });
  const sessions = createMemoryTtlStore<number>({ max, clock });
  let fullWarned = false;
  warnVolatile('the memory revocation store', options.warn);
  return {
    async revokeToken(tokenKey, _subject, expiresAtMs) {
      const fresh = !tokens.has(tokenKey);
      if (fresh && tokens.size >= max && !fullWarned) {
        // Evicting a live revocation would let that token pass again: say so loudly, once.
        fullWarned = true;
        emitPortcullisWarning(
          `the memory revocation store is full (${max} entries): the oldest revocations are being evicted; raise max or use the Redis store`,
        );
      }
      const ttl = expiresAtMs - clock.now();
      if (ttl > 0) tokens.set(tokenKey, expiresAtMs, ttl);
      return fresh;
    },
    async revokeSession(_subject, sessionKey, expiresAtMs) {
      const ttl = expiresAtMs - clock.now();
      if (ttl <= 0) return false;
      const fresh = !sessions.has(sessionKey);
      sessions.set(sessionKey, expiresAtMs, ttl);
      return fresh;
    },
    async revokeSubject(subject, watermarkMs, ttlMs) {
      const current = subjects.get(subject) ?? 0;
      subjects.set(subject, Math.max(current, watermarkMs), Math.max(1, ttlMs));
    },
    isRevoked(tokenKey, subject, issuedAtMs, sessionKey) {
      if (tokens.size > 0 && tokens.has(tokenKey)) return true;
      if (sessionKey !== undefined && sessions.size > 0 && sessions.has(sessionKey)) return true;
      if (subjects.size === 0) return false;
      const watermark = subjects.get(subject);
      return watermark !== undefined && issuedAtMs <= watermark;
    },
    async subjectWatermark(subject) {
      return subjects.get(subject) ?? 0;
    },
  };
}

interface StoredToken {
  record: RefreshTokenRecord;
  state: 'active' | 'spent';
  spentAt: number;
  replay: string;
}

/**
 * In-memory refresh-token store. Rotation is atomic because it runs synchronously within one
 * process; with several workers use the Redis store instead.
 *
 * @example
 * ```ts
 * const refreshStore = createMemoryRefreshTokenStore();
 * ```
 */
export function createMemoryRefreshTokenStore(options: MemoryTokenStoreOptions = {}): RefreshTokenStore {
  checkOptions('createMemoryRefreshTokenStore', options, MEMORY_STORE_OPTIONS);
  const max = options.max ?? 100_000;
  const clock = options.clock ?? systemClock;
  const tokens = createMemoryTtlStore<StoredToken>({ max, clock });
  const families = createMemoryTtlStore<{ revoked: boolean; expiresAt: number }>({ max, clock });
  warnVolatile('the memory refresh-token store', options.warn);

  const put = (record: RefreshTokenRecord, now: number) => {
    // Spent tokens are kept until the family's absolute expiry so reuse is still detected.
    tokens.set(
      record.selector,
      { record, state: 'active', spentAt: 0, replay: '' },
      record.familyExpiresAt - now,
    );
  };

  return {
    async create(record) {
      const now = clock.now();
      if (record.familyExpiresAt <= now) return;
      families.set(
        record.familyId,
        { revoked: false, expiresAt: record.familyExpiresAt },
        record.familyExpiresAt - now,
      );
      put(record, now);
    },
    async find(selector, now) {
      const t = tokens.get(selector);
      if (!t || now >= t.record.familyExpiresAt) return undefined;
      const family = families.get(t.record.familyId);
      if (!family) return undefined;
      if (family.revoked) return { ...t.record, state: 'revoked' } satisfies RefreshTokenEntry;
      if (t.state === 'active' && now >= t.record.expiresAt) return undefined;
      return { ...t.record, state: t.state };
    },
    async rotate(r: RefreshRotation): Promise<RefreshRotationResult> {
      const t = tokens.get(r.selector);
      if (!t || t.record.verifierHash !== r.verifierHash) return { outcome: 'unknown' };
      const family = families.get(t.record.familyId);
      if (!family) return { outcome: 'expired' };
      if (family.revoked) return { outcome: 'revoked' };
      if (r.now >= t.record.familyExpiresAt) return { outcome: 'expired' };
      if (t.state === 'spent') {
        if (r.now - t.spentAt <= r.graceMs) return { outcome: 'grace', replay: t.replay };
        family.revoked = true;
        return { outcome: 'reused', familyId: t.record.familyId, subject: t.record.subject };
      }
      if (r.now >= t.record.expiresAt) return { outcome: 'expired' };
      t.state = 'spent';
      t.spentAt = r.now;
      t.replay = r.replay;
      put(r.successor, r.now);
      return { outcome: 'rotated' };
    },
    async revokeFamily(familyId) {
      const family = families.get(familyId);
      if (!family || family.revoked) return false;
      family.revoked = true;
      return true;
    },
  };
}
