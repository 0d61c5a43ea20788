import type { ResetTokenRecord, ResetTokenStore } from '@portcullis/core';
import { describe, expect, it } from 'vitest';

/**
 * The contract every ResetTokenStore passes (memory, Redis). `make` returns a fresh, empty
 * store with its own key space.
 */
export function runResetTokenStoreContract(
  name: string,
  make: () => Promise<ResetTokenStore> | ResetTokenStore,
): void {
  const rec = (userId: string, verifierHash = 'ab'.repeat(32)): ResetTokenRecord => ({
    userId,
    verifierHash,
    expiresAt: Date.UTC(2030, 0, 1),
    locale: 'fr',
  });

  describe(`ResetTokenStore contract: ${name}`, () => {
    it('returns a saved record on peek, unchanged, and peek does not consume', async () => {
      const s = await make();
      await s.save('sel-1', rec('u1'), 60_000);
      expect(await s.peek('sel-1')).toEqual(rec('u1'));
      expect(await s.peek('sel-1')).toEqual(rec('u1'));
    });

    it('returns undefined for an unknown selector', async () => {
      const s = await make();
      expect(await s.peek('nope')).toBeUndefined();
      expect(await s.take('nope')).toBeUndefined();
    });

    it('gives the record to take once, then undefined', async () => {
      const s = await make();
      await s.save('sel-1', rec('u1'), 60_000);
      expect(await s.take('sel-1')).toEqual(rec('u1'));
      expect(await s.take('sel-1')).toBeUndefined();
      expect(await s.peek('sel-1')).toBeUndefined();
    });

    it('lets exactly one of 20 concurrent takes win', async () => {
      const s = await make();
      await s.save('sel-race', rec('u1'), 60_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => s.take('sel-race')));
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('deletes every token of one user and only theirs', async () => {
      const s = await make();
      await s.save('a1', rec('alice'), 60_000);
      await s.save('a2', rec('alice'), 60_000);
      await s.save('b1', rec('bob'), 60_000);
      expect(await s.deleteForUser('alice')).toBe(2);
      expect(await s.peek('a1')).toBeUndefined();
      expect(await s.peek('a2')).toBeUndefined();
      expect(await s.peek('b1')).toEqual(rec('bob'));
      expect(await s.deleteForUser('alice')).toBe(0);
    });

    it('does not count a taken token in deleteForUser', async () => {
      const s = await make();
      await s.save('a1', rec('alice'), 60_000);
      await s.save('a2', rec('alice'), 60_000);
      await s.take('a1');
      expect(await s.deleteForUser('alice')).toBe(1);
    });

    it('keeps records without a locale as they are', async () => {
      const s = await make();
      const r: ResetTokenRecord = { userId: 'u:with:colons', verifierHash: 'cd'.repeat(32), expiresAt: 1 };
      await s.save('x', r, 60_000);
      expect(await s.take('x')).toEqual(r);
    });
  });
}
