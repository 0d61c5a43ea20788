import { randomBytes } from 'node:crypto';
import { type ResetTokenRecord, type ResetTokenStore, taggedSelector } from '@portcullis/core';
import { describe, expect, it } from 'vitest';

/** Options of {@link runResetTokenStoreContract}. */
export interface ResetTokenStoreContractOptions {
  /** Distinct users of the "many users" case. Default 200; thousands spread over a cluster. */
  users?: number | undefined;
}

/**
 * The contract every ResetTokenStore passes (memory, Redis, Redis Cluster, third-party).
 * `make` returns a fresh, empty store with its own key space. Selectors carry their user's
 * shard tag, as the reset flow mints them.
 *
 * @example
 * ```ts
 * import { runResetTokenStoreContract } from '@portcullis/testing';
 * runResetTokenStoreContract('my store', () => createMyResetTokenStore());
 * ```
 */
export function runResetTokenStoreContract(
  name: string,
  make: () => Promise<ResetTokenStore> | ResetTokenStore,
  options: ResetTokenStoreContractOptions = {},
): void {
  const many = options.users ?? 200;
  const run = randomBytes(6).toString('base64url');
  // One selector per (user, label) within this run, tagged like the reset flow mints them.
  const sel = (userId: string, label: string) =>
    taggedSelector(userId, `${run}${label}`.replace(/[^A-Za-z0-9_-]/g, '_'));
  const rec = (userId: string, verifierHash = 'ab'.repeat(32)): ResetTokenRecord => ({
    userId,
    verifierHash,
    expiresAt: Date.UTC(2030, 0, 1),
    locale: 'fr',
  });

  describe(`ResetTokenStore contract: ${name}`, () => {
    it('returns a saved record on peek, unchanged, and peek does not consume', async () => {
      const s = await make();
      await s.save(sel('u1', '1'), rec('u1'), 60_000);
      expect(await s.peek(sel('u1', '1'))).toEqual(rec('u1'));
      expect(await s.peek(sel('u1', '1'))).toEqual(rec('u1'));
    });

    it('returns undefined for an unknown selector', async () => {
      const s = await make();
      expect(await s.peek(sel('u1', 'nope'))).toBeUndefined();
      expect(await s.take(sel('u1', 'nope'))).toBeUndefined();
    });

    it('gives the record to take once, then undefined', async () => {
      const s = await make();
      await s.save(sel('u1', '1'), rec('u1'), 60_000);
      expect(await s.take(sel('u1', '1'))).toEqual(rec('u1'));
      expect(await s.take(sel('u1', '1'))).toBeUndefined();
      expect(await s.peek(sel('u1', '1'))).toBeUndefined();
    });

    it('lets exactly one of 20 concurrent takes win', async () => {
      const s = await make();
      await s.save(sel('u1', 'race'), rec('u1'), 60_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => s.take(sel('u1', 'race'))));
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('deletes every token of one user and only theirs', async () => {
      const s = await make();
      await s.save(sel('alice', 'a1'), rec('alice'), 60_000);
      await s.save(sel('alice', 'a2'), rec('alice'), 60_000);
      await s.save(sel('bob', 'b1'), rec('bob'), 60_000);
      expect(await s.deleteForUser('alice')).toBe(2);
      expect(await s.peek(sel('alice', 'a1'))).toBeUndefined();
      expect(await s.peek(sel('alice', 'a2'))).toBeUndefined();
      expect(await s.peek(sel('bob', 'b1'))).toEqual(rec('bob'));
      expect(await s.deleteForUser('alice')).toBe(0);
    });

    it('does not count a taken token in deleteForUser', async () => {
      const s = await make();
      await s.save(sel('alice', 'a1'), rec('alice'), 60_000);
      await s.save(sel('alice', 'a2'), rec('alice'), 60_000);
      await s.take(sel('alice', 'a1'));
      expect(await s.deleteForUser('alice')).toBe(1);
    });

    it(`keeps ${many} users apart: each user's links, deleted for that user only`, async () => {
      const s = await make();
      const users = Array.from({ length: many }, (_, i) => `user-${run}-${i}`);
      for (let i = 0; i < users.length; i += 100) {
        await Promise.all(
          users.slice(i, i + 100).map(async (u) => {
            await s.save(sel(u, 'm1'), rec(u), 60_000);
            await s.save(sel(u, 'm2'), rec(u), 60_000);
          }),
        );
      }
      const counts: number[] = [];
      for (let i = 0; i < users.length; i += 100) {
        const batch = users.slice(i, i + 100);
        counts.push(
          ...(await Promise.all(
            batch.map(async (u, j) =>
              (i + j) % 2 === 0 ? s.deleteForUser(u) : (await s.take(sel(u, 'm1'))) ? 1 : 0,
            ),
          )),
        );
      }
      expect(counts).toEqual(users.map((_, i) => (i % 2 === 0 ? 2 : 1)));
      const left = await Promise.all(users.slice(0, 100).map((u) => s.peek(sel(u, 'm2'))));
      expect(left.map((r) => r?.userId)).toEqual(
        users.slice(0, 100).map((u, i) => (i % 2 === 0 ? undefined : u)),
      );
    }, 60_000);

    it('keeps records without a locale as they are', async () => {
      const s = await make();
      const r: ResetTokenRecord = { userId: 'u:with:colons', verifierHash: 'cd'.repeat(32), expiresAt: 1 };
      await s.save(sel('u:with:colons', 'x'), r, 60_000);
      expect(await s.take(sel('u:with:colons', 'x'))).toEqual(r);
    });
  });
}
