import { createManualClock, createMemoryTtlStore, type RateLimitAlgorithm } from '@portcullis/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyState } from '../src/algorithms.js';
import { createMemoryRateLimitStore } from '../src/memory-store.js';
import { StateTable } from '../src/state-table.js';
import { createLruOracleStore } from './lru-oracle.js';

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
const key = fc.constantFrom(...KEYS);

describe('StateTable against lru-cache (the oracle)', () => {
  it('holds and evicts the same keys, in the same recency order, on random operation sequences', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('find' as const), key }),
      fc.record({ kind: fc.constant('insert' as const), key, n: fc.integer({ min: 0, max: 1e6 }) }),
      fc.record({ kind: fc.constant('delete' as const), key }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 300 }), (max, ops) => {
        const table = new StateTable(max);
        const lru = createMemoryTtlStore<number>({ max });
        const values = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'find') {
            const slot = table.find(o.key);
            const v = lru.get(o.key);
            expect(slot === -1).toBe(v === undefined);
            if (slot !== -1) expect(table.read(slot, emptyState()).b).toBe(v);
          } else if (o.kind === 'insert') {
            // The store inserts absent keys only; a present key is written in place.
            const slot = table.find(o.key);
            if (slot === -1) table.insert(o.key, { ...emptyState(), b: o.n });
            else table.write(slot, { ...emptyState(), b: o.n });
            lru.set(o.key, o.n);
            values.set(o.key, o.n);
          } else expect(table.delete(o.key)).toBe(lru.delete(o.key));
          expect(table.size).toBe(lru.size);
          for (const k of KEYS) expect(table.keysByAge().includes(k)).toBe(lru.has(k));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('grows past its first slab without losing a key', () => {
    const table = new StateTable(5000);
    for (let i = 0; i < 5000; i++) table.insert(`k${i}`, { ...emptyState(), b: i });
    for (let i = 0; i < 5000; i++) expect(table.read(table.find(`k${i}`), emptyState()).b).toBe(i);
    table.insert('one-more', emptyState());
    expect(table.size).toBe(5000);
    expect(table.find('k0')).toBe(-1);
  });
});

describe('createMemoryRateLimitStore against the lru-cache store (differential)', () => {
  const algorithm = fc.constantFrom<RateLimitAlgorithm>(
    'fixed-window',
    'sliding-window',
    'token-bucket',
    'gcra',
  );
  it('reaches the same decisions, and keeps and evicts the same keys, on random traffic', async () => {
    const op = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('consume' as const),
          key,
          cost: fc.integer({ min: 1, max: 3 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('refund' as const),
          key,
          cost: fc.integer({ min: 1, max: 3 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), key }) },
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        algorithm,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(op, { maxLength: 250 }),
        async (alg, limit, maxKeys, maxLimited, ops) => {
          const quota = { algorithm: alg, limit, windowMs: 60_000 };
          const clock = createManualClock(1_700_000_000_000);
          const store = createMemoryRateLimitStore({ maxKeys, maxLimitedKeys: maxLimited, clock });
          const oracle = createLruOracleStore(maxKeys, maxLimited, clock);
          for (const o of ops) {
            if (o.kind === 'wait') clock.advance(o.ms);
            else if (o.kind === 'consume')
              expect(store.consumeSync(o.key, quota, o.cost)).toEqual(oracle.consume(o.key, quota, o.cost));
            else if (o.kind === 'refund') {
              await store.refund(o.key, quota, o.cost);
              oracle.refund(o.key, quota, o.cost);
            } else {
              await store.reset(o.key);
              oracle.reset(o.key);
            }
            expect(store.size).toBe(oracle.size);
            expect(store.limitedSize).toBe(oracle.limitedSize);
          }
          // Same keys kept: a fresh decision on every key agrees, and so does every state.
          for (const k of KEYS) expect(store.consumeSync(k, quota, 1)).toEqual(oracle.consume(k, quota, 1));
        },
      ),
      { numRuns: 400 },
    );
  });
});
