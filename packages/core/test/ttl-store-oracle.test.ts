/**
 * Core's TTL store replaced lru-cache (issue 15: lru-cache 11.3+ ships 3.3 MB, most of an install
 * that only rate-limits). lru-cache, configured as the store used it, stays the oracle: random
 * sequences of operations on a manual clock must answer alike.
 */
import fc from 'fast-check';
import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { createManualClock, createMemoryTtlStore } from '../src/index.js';

type Op =
  | { op: 'set'; key: string; value: number; ttl: number | undefined }
  | { op: 'get' | 'peek' | 'has' | 'delete' | 'remainingTtl'; key: string }
  | { op: 'advance'; ms: number }
  | { op: 'clear' };

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
const ops = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('set' as const),
        key,
        value: fc.integer(),
        ttl: fc.option(fc.integer({ min: -5, max: 50 }), { nil: undefined }),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constantFrom(
          'get' as const,
          'peek' as const,
          'has' as const,
          'delete' as const,
          'remainingTtl' as const,
        ),
        key,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30 }) }),
    },
    { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  ),
  { maxLength: 120 },
);

describe('createMemoryTtlStore against lru-cache (oracle)', () => {
  it('answers every operation as lru-cache does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 40 }),
        ops,
        (max, ttl, sequence: Op[]) => {
          const clock = createManualClock();
          const store = createMemoryTtlStore<number>({ max, ttlMs: ttl, clock });
          const oracle = new LRUCache<string, number>({
            max,
            ...(ttl > 0 ? { ttl } : {}),
            ttlResolution: 0,
            perf: { now: () => clock.now() },
            ttlAutopurge: false,
          });
          for (const step of sequence) {
            switch (step.op) {
              case 'set':
                store.set(step.key, step.value, step.ttl);
                if (step.ttl === undefined) oracle.set(step.key, step.value);
                else oracle.set(step.key, step.value, { ttl: Math.max(0, step.ttl) });
                break;
              case 'get':
                expect(store.get(step.key)).toBe(oracle.get(step.key));
                break;
              case 'peek':
                expect(store.peek(step.key)).toBe(oracle.peek(step.key));
                break;
              case 'has':
                expect(store.has(step.key)).toBe(oracle.has(step.key));
                break;
              case 'delete':
                expect(store.delete(step.key)).toBe(oracle.delete(step.key));
                break;
              case 'remainingTtl':
                expect(store.remainingTtl(step.key)).toBe(
                  oracle.has(step.key) ? oracle.getRemainingTTL(step.key) : 0,
                );
                break;
              case 'advance':
                clock.advance(step.ms);
                break;
              case 'clear':
                store.clear();
                oracle.clear();
                break;
            }
            expect(store.size).toBe(oracle.size);
          }
        },
      ),
      {
        numRuns: 300,
        // The boundary every run must see: an entry whose age equals its TTL is still live.
        examples: [
          [
            3,
            10,
            [
              { op: 'set', key: 'a', value: 1, ttl: undefined },
              { op: 'set', key: 'b', value: 2, ttl: 5 },
              { op: 'advance', ms: 5 },
              { op: 'has', key: 'b' },
              { op: 'advance', ms: 5 },
              { op: 'has', key: 'a' },
              { op: 'remainingTtl', key: 'a' },
              { op: 'get', key: 'b' },
            ],
          ],
        ],
      },
    );
  });
});
