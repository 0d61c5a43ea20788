/**
 * The one conformance suite every RateLimitStore runs (memory, Redis, Redis Cluster, and any
 * third-party store). Time comes from a manual clock the factory wires into the store.
 */
import type { ManualClock, RateLimitAlgorithm, RateLimitQuota, RateLimitStore } from '@portcullis/core';
import { createManualClock } from '@portcullis/core';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';

/** Builds a fresh store whose time is `clock` and whose keys are isolated from other runs. */
export type StoreFactory = (clock: ManualClock) => RateLimitStore | Promise<RateLimitStore>;

const ALGORITHMS: readonly RateLimitAlgorithm[] = ['fixed-window', 'sliding-window', 'token-bucket', 'gcra'];

/** Options of {@link runRateLimitStoreContract}. */
export interface RateLimitStoreContractOptions {
  /**
   * Distinct keys of the "many keys" case (each consumed past a limit of 3, 100 at a time).
   * Default 200; raise it (thousands) to spread keys over every shard of a cluster.
   */
  keys?: number | undefined;
  /** Runs of the reset-time property per algorithm (each run is up to 60 calls). Default 60. */
  propertyRuns?: number | undefined;
}

/** @deprecated Use {@link RateLimitStoreContractOptions}. */
export type StoreContractOptions = RateLimitStoreContractOptions;

/**
 * Registers the contract suite for a store under Vitest.
 *
 * @example
 * ```ts
 * import { runRateLimitStoreContract } from '@portcullis/testing';
 * runRateLimitStoreContract('my postgres store', (clock) => createPgRateLimitStore({ pool, clock }));
 * ```
 */
export function runRateLimitStoreContract(
  name: string,
  factory: StoreFactory,
  options: RateLimitStoreContractOptions = {},
): void {
  const many = options.keys ?? 200;
  describe(`${name} satisfies the rate-limit store contract`, () => {
    let clock: ManualClock;
    let store: RateLimitStore;
    let n = 0;
    const key = () => `contract:${n++}:${Math.random().toString(36).slice(2)}`;
    beforeEach(async () => {
      // Aligned to a minute plus 1 s, so sliding windows start at a known offset.
      clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 1));
      store = await factory(clock);
    });

    for (const algorithm of ALGORITHMS) {
      const q: RateLimitQuota = { algorithm, limit: 5, windowMs: 60_000 };
      describe(algorithm, () => {
        it('admits exactly the limit, then refuses with a positive retry time', async () => {
          const k = key();
          const seen: boolean[] = [];
          for (let i = 0; i < 6; i++) seen.push((await store.consume(k, q, 1)).allowed);
          expect(seen).toEqual([true, true, true, true, true, false]);
          const refused = await store.consume(k, q, 1);
          expect(refused.allowed).toBe(false);
          expect(refused.remaining).toBe(0);
          expect(refused.retryAfterMs).toBeGreaterThan(0);
          expect(refused.retryAfterMs).toBeLessThanOrEqual(120_000);
        });

        it('counts remaining down to 0 at the limit (429 at the limit, not at limit+1)', async () => {
          const k = key();
          const remaining: number[] = [];
          for (let i = 0; i < 5; i++) remaining.push((await store.consume(k, q, 1)).remaining);
          expect(remaining).toEqual([4, 3, 2, 1, 0]);
        });

        it('admits parallel calls exactly up to the limit', async () => {
          const k = key();
          const all = await Promise.all(Array.from({ length: 40 }, () => store.consume(k, q, 1)));
          expect(all.filter((s) => s.allowed)).toHaveLength(5);
        });

        it('admits again once the refusal’s retry time has passed', async () => {
          const k = key();
          for (let i = 0; i < 5; i++) await store.consume(k, q, 1);
          const refused = await store.consume(k, q, 1);
          clock.advance(refused.retryAfterMs);
          expect((await store.consume(k, q, 1)).allowed).toBe(true);
        });

        it('refunds: a refunded unit can be consumed again', async () => {
          const k = key();
          for (let i = 0; i < 5; i++) await store.consume(k, q, 1);
          expect((await store.consume(k, q, 1)).allowed).toBe(false);
          await store.refund(k, q, 1);
          expect((await store.consume(k, q, 1)).allowed).toBe(true);
          expect((await store.consume(k, q, 1)).allowed).toBe(false);
        });

        it('reset forgets the key', async () => {
          const k = key();
          for (let i = 0; i < 5; i++) await store.consume(k, q, 1);
          await store.reset(k);
          expect((await store.consume(k, q, 1)).remaining).toBe(4);
        });

        it('keeps keys apart', async () => {
          const a = key();
          const b = key();
          for (let i = 0; i < 5; i++) await store.consume(a, q, 1);
          expect((await store.consume(a, q, 1)).allowed).toBe(false);
          expect((await store.consume(b, q, 1)).allowed).toBe(true);
        });

        it('charges a cost above 1 as that many units', async () => {
          const k = key();
          expect((await store.consume(k, q, 3)).remaining).toBe(2);
          expect((await store.consume(k, q, 3)).allowed).toBe(false);
          expect((await store.consume(k, q, 2)).allowed).toBe(true);
        });

        it('reports an exact t: r=0 means t = Retry-After, waiting t is enough and 1 ms less is not, t <= w', async () => {
          // Random request timings; after each answer the client either goes on at random or does
          // what the headers tell it: wait t (probing 1 ms earlier first, which must be refused
          // when r=0, so t is the truth and not merely an upper bound).
          let n = 0;
          await fc.assert(
            fc.asyncProperty(
              fc.integer({ min: 1, max: 6 }),
              fc.constantFrom(1_000, 7_000, 60_000),
              fc.array(fc.tuple(fc.nat({ max: 70_000 }), fc.boolean()), { minLength: 1, maxLength: 30 }),
              async (limit, windowMs, steps) => {
                const quota: RateLimitQuota = { algorithm, limit, windowMs };
                const k = `${key()}:${n++}`;
                for (const [gap, obey] of steps) {
                  clock.advance(gap % (2 * windowMs));
                  const d = await store.consume(k, quota, 1);
                  expect(d.resetMs).toBeLessThanOrEqual(windowMs);
                  if (!d.allowed) expect(d.resetMs).toBe(d.retryAfterMs);
                  if (!obey) continue;
                  if (d.remaining === 0) {
                    expect(d.resetMs).toBeGreaterThan(0);
                    clock.advance(d.resetMs - 1);
                    expect((await store.consume(k, quota, 1)).allowed).toBe(false);
                    clock.advance(1);
                    expect((await store.consume(k, quota, 1)).allowed).toBe(true);
                  } else {
                    clock.advance(d.resetMs);
                    expect((await store.consume(k, quota, 1)).remaining).toBe(limit - 1);
                  }
                }
              },
            ),
            { numRuns: options.propertyRuns ?? 60 },
          );
        });

        it('recovers the full quota after a quiet period of two windows', async () => {
          const k = key();
          for (let i = 0; i < 5; i++) await store.consume(k, q, 1);
          clock.advance(120_001);
          expect((await store.consume(k, q, 1)).remaining).toBe(4);
        });
      });
    }

    it('fixed-window lets 2x the limit through across a window edge (why it is not the default)', async () => {
      const q: RateLimitQuota = { algorithm: 'fixed-window', limit: 5, windowMs: 60_000 };
      const k = key();
      await store.consume(k, q, 1);
      clock.advance(59_000);
      for (let i = 0; i < 4; i++) expect((await store.consume(k, q, 1)).allowed).toBe(true);
      clock.advance(1_000);
      for (let i = 0; i < 5; i++) expect((await store.consume(k, q, 1)).allowed).toBe(true);
    });

    it('sliding-window refuses a burst at the window edge', async () => {
      const q: RateLimitQuota = { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 };
      const k = key();
      clock.advance(58_000); // 59 s into the aligned minute
      for (let i = 0; i < 5; i++) expect((await store.consume(k, q, 1)).allowed).toBe(true);
      clock.advance(2_000); // 1 s into the next minute: the previous window weighs 58/59
      const d = await store.consume(k, q, 1);
      expect(d.allowed).toBe(false);
      // The previous count is spread over the 59 s of its window it used (up to its last request):
      // 5 * (1 - e/59 s) + 1 <= 5 once e >= 11.8 s, i.e. 10.8 s from now.
      expect(d.retryAfterMs).toBe(10_800);
    });

    it('sliding-window never asks for more than one window (a burst at a window start)', async () => {
      const q: RateLimitQuota = { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 };
      const k = key();
      clock.advance(59_000); // the start of the next aligned minute
      for (let i = 0; i < 5; i++) expect((await store.consume(k, q, 1)).allowed).toBe(true);
      const d = await store.consume(k, q, 1);
      // The classic estimate answered 72 s here (t above w): the burst is a window old in 60 s.
      expect(d.retryAfterMs).toBe(60_000);
      clock.advance(59_999);
      expect((await store.consume(k, q, 1)).allowed).toBe(false);
      clock.advance(1);
      expect((await store.consume(k, q, 1)).allowed).toBe(true);
    });

    it('gcra spaces requests by window/limit once the burst is spent', async () => {
      const q: RateLimitQuota = { algorithm: 'gcra', limit: 5, windowMs: 60_000 };
      const k = key();
      for (let i = 0; i < 5; i++) await store.consume(k, q, 1);
      const refused = await store.consume(k, q, 1);
      expect(refused.retryAfterMs).toBe(12_000);
      clock.advance(11_999);
      expect((await store.consume(k, q, 1)).allowed).toBe(false);
      clock.advance(1);
      expect((await store.consume(k, q, 1)).allowed).toBe(true);
    });

    it('token-bucket refills continuously at limit/window', async () => {
      const q: RateLimitQuota = { algorithm: 'token-bucket', limit: 5, windowMs: 60_000 };
      const k = key();
      for (let i = 0; i < 5; i++) await store.consume(k, q, 1);
      expect((await store.consume(k, q, 1)).retryAfterMs).toBe(12_000);
      clock.advance(24_000);
      expect((await store.consume(k, q, 1)).remaining).toBe(1);
    });

    it(`counts ${many} distinct keys exactly and independently`, async () => {
      const q: RateLimitQuota = { algorithm: 'sliding-window', limit: 3, windowMs: 60_000 };
      const keys = Array.from({ length: many }, () => key());
      const admitted: number[] = [];
      for (let i = 0; i < keys.length; i += 100) {
        const batch = keys.slice(i, i + 100);
        const states = await Promise.all(
          batch.map((k) => Promise.all([1, 2, 3, 4].map(() => store.consume(k, q, 1)))),
        );
        for (const s of states) admitted.push(s.filter((x) => x.allowed).length);
      }
      expect(admitted).toEqual(Array(many).fill(3));
    }, 60_000);

    it('fixed-window reports the time left in the window as reset', async () => {
      const q: RateLimitQuota = { algorithm: 'fixed-window', limit: 5, windowMs: 60_000 };
      const k = key();
      await store.consume(k, q, 1);
      clock.advance(18_000);
      const d = await store.consume(k, q, 1);
      expect(d.resetMs).toBe(42_000);
    });
  });
}
