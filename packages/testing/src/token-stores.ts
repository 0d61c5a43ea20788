/**
 * The one contract suite every token store runs (memory, Redis, Redis Cluster, third-party).
 * Times are passed explicitly or read from the injected manual clock, so nothing sleeps.
 */
import { randomBytes } from 'node:crypto';
import {
  type ManualClock,
  type RefreshTokenRecord,
  type RefreshTokenStore,
  type RevocationStore,
  taggedSelector,
} from '@portcullis/core';
import { describe, expect, it } from 'vitest';

const id = () => randomBytes(16).toString('base64url');
/** A selector of `familyId`, tagged as `@portcullis/tokens` mints them. */
const selectorOf = (familyId: string) => taggedSelector(familyId, randomBytes(13).toString('base64url'));

/** Builds a fresh store (own key space) and the manual clock it reads. */
export type TokenStoreFactory<S> = () => Promise<{ store: S; clock: ManualClock }>;

/** Options of {@link revocationStoreContract}. */
export interface RevocationStoreContractOptions {
  /** Distinct subjects of the "many subjects" case. Default 200; thousands spread over a cluster. */
  subjects?: number | undefined;
}

/** Options of {@link refreshStoreContract}. */
export interface RefreshStoreContractOptions {
  /** Distinct families of the "many families" case. Default 200. */
  families?: number | undefined;
}

/** Runs `fn` over `items`, 100 at a time. */
async function inBatches<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 100)
    out.push(...(await Promise.all(items.slice(i, i + 100).map((x, j) => fn(x, i + j)))));
  return out;
}

/**
 * Registers the revocation store contract under Vitest.
 *
 * @example
 * ```ts
 * import { revocationStoreContract } from '@portcullis/testing';
 * revocationStoreContract('my store', async () => {
 *   const clock = createManualClock(Date.now());
 *   return { store: createMyRevocationStore({ clock }), clock };
 * });
 * ```
 */
export function revocationStoreContract(
  name: string,
  make: TokenStoreFactory<RevocationStore>,
  options: RevocationStoreContractOptions = {},
): void {
  const many = options.subjects ?? 200;
  describe(`${name}: revocation store contract`, () => {
    it('reports a revoked token as revoked and an unrelated one as not', async () => {
      const { store, clock } = await make();
      const t = id();
      expect(await store.isRevoked(t, 'u1', clock.now())).toBe(false);
      expect(await store.revokeToken(t, 'u1', clock.now() + 60_000)).toBe(true);
      expect(await store.isRevoked(t, 'u1', clock.now())).toBe(true);
      expect(await store.isRevoked(id(), 'u1', clock.now())).toBe(false);
    });

    it('answers false when the same token is revoked twice (idempotent)', async () => {
      const { store, clock } = await make();
      const t = id();
      expect(await store.revokeToken(t, 'u1', clock.now() + 60_000)).toBe(true);
      expect(await store.revokeToken(t, 'u1', clock.now() + 60_000)).toBe(false);
    });

    it('revokes every token of a subject issued at or before the watermark, not after', async () => {
      const { store, clock } = await make();
      const user = id();
      const now = clock.now();
      await store.revokeSubject(user, now, 3_600_000);
      expect(await store.isRevoked(id(), user, now - 1000)).toBe(true);
      expect(await store.isRevoked(id(), user, now)).toBe(true);
      expect(await store.isRevoked(id(), user, now + 1)).toBe(false);
      expect(await store.isRevoked(id(), id(), now - 1000)).toBe(false);
      expect(await store.subjectWatermark(user)).toBe(now);
      expect(await store.subjectWatermark(id())).toBe(0);
    });

    it('revokes a session: every token checked with its session key, none without it', async () => {
      const { store, clock } = await make();
      const user = id();
      const session = id();
      const now = clock.now();
      expect(await store.isRevoked(id(), user, now, session)).toBe(false);
      expect(await store.revokeSession(user, session, now + 60_000)).toBe(true);
      expect(await store.revokeSession(user, session, now + 60_000)).toBe(false);
      expect(await store.isRevoked(id(), user, now, session)).toBe(true);
      expect(await store.isRevoked(id(), user, now + 5000, session)).toBe(true);
      expect(await store.isRevoked(id(), user, now, id())).toBe(false);
      expect(await store.isRevoked(id(), user, now)).toBe(false);
      // A session revocation is not a token revocation: the keys live apart.
      expect(await store.isRevoked(session, user, now)).toBe(false);
    });

    it('stores no session revocation that is already past its expiry', async () => {
      const { store, clock } = await make();
      const user = id();
      const session = id();
      expect(await store.revokeSession(user, session, clock.now() - 1)).toBe(false);
      expect(await store.isRevoked(id(), user, clock.now(), session)).toBe(false);
    });
    it(`keeps ${many} subjects apart: one token and one watermark each`, async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const subjects = Array.from({ length: many }, () => id());
      const tokens = subjects.map(() => id());
      await inBatches(subjects, async (sub, i) => {
        if (i % 2 === 0) await store.revokeToken(tokens[i] ?? '', sub, now + 60_000);
        else await store.revokeSubject(sub, now, 3_600_000);
      });
      // Even: only that token is revoked. Odd: every token issued up to the watermark.
      const own = await inBatches(subjects, async (sub, i) => store.isRevoked(tokens[i] ?? '', sub, now + 1));
      const older = await inBatches(subjects, async (sub) => store.isRevoked(id(), sub, now - 1));
      expect(own).toEqual(subjects.map((_, i) => i % 2 === 0));
      expect(older).toEqual(subjects.map((_, i) => i % 2 === 1));
    }, 60_000);
    it('never moves a watermark backwards', async () => {
      const { store, clock } = await make();
      const user = id();
      const now = clock.now();
      await store.revokeSubject(user, now, 3_600_000);
      await store.revokeSubject(user, now - 5000, 3_600_000);
      expect(await store.subjectWatermark(user)).toBe(now);
    });
  });
}

/**
 * Registers the refresh-token store contract under Vitest. Selectors carry their family's
 * shard tag, as `@portcullis/tokens` mints them.
 */
export function refreshStoreContract(
  name: string,
  make: TokenStoreFactory<RefreshTokenStore>,
  options: RefreshStoreContractOptions = {},
): void {
  const many = options.families ?? 200;
  const record = (now: number, over: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => {
    const familyId = over.familyId ?? id();
    return {
      selector: selectorOf(familyId),
      verifierHash: id(),
      familyId,
      subject: 'user-1',
      issuedAt: now,
      familyIssuedAt: now,
      expiresAt: now + 60_000,
      familyExpiresAt: now + 600_000,
      data: '{"role":"admin"}',
      ...over,
    };
  };
  const successorOf = (r: RefreshTokenRecord, now: number) =>
    record(now, {
      familyId: r.familyId,
      familyIssuedAt: r.familyIssuedAt,
      familyExpiresAt: r.familyExpiresAt,
    });

  describe(`${name}: refresh-token store contract`, () => {
    it('finds a created token by selector with every field intact', async () => {
      const { store, clock } = await make();
      const r = record(clock.now());
      await store.create(r);
      expect(await store.find(r.selector, clock.now())).toEqual({ ...r, state: 'active' });
      expect(await store.find(selectorOf(r.familyId), clock.now())).toBeUndefined();
      expect(await store.find(selectorOf(id()), clock.now())).toBeUndefined();
    });

    it('does not find a token past its idle expiry', async () => {
      const { store, clock } = await make();
      const r = record(clock.now());
      await store.create(r);
      expect(await store.find(r.selector, r.expiresAt)).toBeUndefined();
    });

    it('rotates once: the old token is spent and the successor is active', async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const r = record(now);
      await store.create(r);
      const next = successorOf(r, now + 1000);
      const res = await store.rotate({
        selector: r.selector,
        verifierHash: r.verifierHash,
        successor: next,
        replay: 'sealed-1',
        now: now + 1000,
        graceMs: 5000,
      });
      expect(res).toEqual({ outcome: 'rotated' });
      expect((await store.find(r.selector, now + 1000))?.state).toBe('spent');
      expect(await store.find(next.selector, now + 1000)).toEqual({ ...next, state: 'active' });
    });

    it('returns the first replay to a second rotation inside the grace window', async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const r = record(now);
      await store.create(r);
      await store.rotate({
        selector: r.selector,
        verifierHash: r.verifierHash,
        successor: successorOf(r, now),
        replay: 'first',
        now,
        graceMs: 5000,
      });
      const other = successorOf(r, now);
      const res = await store.rotate({
        selector: r.selector,
        verifierHash: r.verifierHash,
        successor: other,
        replay: 'second',
        now: now + 5000,
        graceMs: 5000,
      });
      expect(res).toEqual({ outcome: 'grace', replay: 'first' });
      expect(await store.find(other.selector, now + 5000)).toBeUndefined();
    });

    it('revokes the whole family when a spent token comes back after the grace window', async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const r = record(now);
      await store.create(r);
      const next = successorOf(r, now);
      await store.rotate({
        selector: r.selector,
        verifierHash: r.verifierHash,
        successor: next,
        replay: 'x',
        now,
        graceMs: 5000,
      });
      const res = await store.rotate({
        selector: r.selector,
        verifierHash: r.verifierHash,
        successor: successorOf(r, now),
        replay: 'y',
        now: now + 5001,
        graceMs: 5000,
      });
      expect(res).toEqual({ outcome: 'reused', familyId: r.familyId, subject: 'user-1' });
      expect((await store.find(next.selector, now + 5001))?.state).toBe('revoked');
      const again = await store.rotate({
        selector: next.selector,
        verifierHash: next.verifierHash,
        successor: successorOf(r, now),
        replay: 'z',
        now: now + 5002,
        graceMs: 5000,
      });
      expect(again).toEqual({ outcome: 'revoked' });
    });

    it('refuses a wrong verifier hash without changing anything', async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const r = record(now);
      await store.create(r);
      const res = await store.rotate({
        selector: r.selector,
        verifierHash: id(),
        successor: successorOf(r, now),
        replay: 'x',
        now,
        graceMs: 5000,
      });
      expect(res).toEqual({ outcome: 'unknown' });
      expect((await store.find(r.selector, now))?.state).toBe('active');
    });

    it('refuses an unknown selector', async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const r = record(now);
      const res = await store.rotate({
        selector: r.selector,
        verifierHash: r.verifierHash,
        successor: successorOf(r, now),
        replay: 'x',
        now,
        graceMs: 5000,
      });
      expect(res).toEqual({ outcome: 'unknown' });
    });

    it('refuses to rotate past the idle expiry and past the family absolute expiry', async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const r = record(now);
      await store.create(r);
      const idle = await store.rotate({
        selector: r.selector,
        verifierHash: r.verifierHash,
        successor: successorOf(r, now),
        replay: 'x',
        now: r.expiresAt,
        graceMs: 5000,
      });
      expect(idle).toEqual({ outcome: 'expired' });
      const r2 = record(now, { expiresAt: now + 600_000 });
      await store.create(r2);
      const abs = await store.rotate({
        selector: r2.selector,
        verifierHash: r2.verifierHash,
        successor: successorOf(r2, now),
        replay: 'x',
        now: r2.familyExpiresAt,
        graceMs: 5000,
      });
      expect(abs).toEqual({ outcome: 'expired' });
    });

    it('revokes a family once (logout), and then refuses its tokens', async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const r = record(now);
      await store.create(r);
      expect(await store.revokeFamily(r.familyId, now)).toBe(true);
      expect(await store.revokeFamily(r.familyId, now)).toBe(false);
      expect(await store.revokeFamily(id(), now)).toBe(false);
      expect((await store.find(r.selector, now))?.state).toBe('revoked');
      const res = await store.rotate({
        selector: r.selector,
        verifierHash: r.verifierHash,
        successor: successorOf(r, now),
        replay: 'x',
        now,
        graceMs: 5000,
      });
      expect(res).toEqual({ outcome: 'revoked' });
    });

    it(`keeps ${many} families apart: create, rotate, revoke every other one`, async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const firsts = Array.from({ length: many }, () => record(now));
      await inBatches(firsts, (r) => store.create(r));
      const nexts = firsts.map((r) => successorOf(r, now + 1));
      const rotated = await inBatches(firsts, (r, i) =>
        store.rotate({
          selector: r.selector,
          verifierHash: r.verifierHash,
          successor: nexts[i] ?? r,
          replay: 'x',
          now: now + 1,
          graceMs: 5000,
        }),
      );
      expect(rotated.every((x) => x.outcome === 'rotated')).toBe(true);
      await inBatches(firsts, async (r, i) =>
        i % 2 === 0 ? store.revokeFamily(r.familyId, now + 2) : false,
      );
      const states = await inBatches(nexts, async (r) => (await store.find(r.selector, now + 2))?.state);
      expect(states).toEqual(nexts.map((_, i) => (i % 2 === 0 ? 'revoked' : 'active')));
    }, 60_000);

    it('lets exactly one of many concurrent rotations win', async () => {
      const { store, clock } = await make();
      const now = clock.now();
      const r = record(now);
      await store.create(r);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.rotate({
            selector: r.selector,
            verifierHash: r.verifierHash,
            successor: successorOf(r, now),
            replay: `r${i}`,
            now,
            graceMs: 5000,
          }),
        ),
      );
      const won = results.filter((x) => x.outcome === 'rotated');
      expect(won).toHaveLength(1);
      const replays = new Set(results.flatMap((x) => (x.outcome === 'grace' ? [x.replay] : [])));
      expect(replays.size).toBe(1);
      expect(results.filter((x) => x.outcome === 'grace')).toHaveLength(19);
    });
  });
}
