import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, DEFAULT_ATTRIBUTE_KEYS, encodeRecord, type PendingRecord } from '../src/record.js';

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const pending: fc.Arbitrary<PendingRecord> = fc.record(
  {
    seq: fc.integer({ min: 1, max: 1e9 }),
    time: fc.integer({ min: 0, max: 4e12 }),
    event: fc.constantFrom('sensitive_read', 'authz_fail', 'ratelimit_exceeded' as const),
    level: fc.constantFrom('info', 'warn', 'critical' as const),
    user: opt(fc.string({ unit: 'binary', maxLength: 200 })),
    action: opt(fc.constantFrom('read', 'write', 'delete' as const)),
    resource: opt(fc.string({ maxLength: 600 })),
    outcome: opt(fc.constantFrom('success', 'failure', 'denied' as const)),
    reason: opt(fc.string()),
    reqId: opt(fc.string()),
    ip: opt(fc.string()),
    method: opt(fc.string()),
    route: opt(fc.string()),
    ua: opt(fc.string({ unit: 'binary' })),
    attrs: opt(
      fc.dictionary(
        fc.constantFrom(...DEFAULT_ATTRIBUTE_KEYS, 'password', 'x'),
        fc.oneof(fc.string(), fc.double(), fc.boolean()),
      ),
    ),
  },
  { requiredKeys: ['seq', 'time', 'event', 'level'] },
);

function shuffled<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).reverse()) as T;
}

describe('canonicalize', () => {
  it('gives the same text on the fast path (encoded records) and the general one (any key order) (property)', () => {
    fc.assert(
      fc.property(pending, fc.stringMatching(/^[0-9a-f]{64}$/), (p, prev) => {
        const f = encodeRecord(p, 'app', new Set(DEFAULT_ATTRIBUTE_KEYS));
        const fast = canonicalize(f, 'k1', prev);
        expect(canonicalize(shuffled(f), 'k1', prev)).toBe(fast);
        // Valid JSON, one line, and it holds exactly the encoded values.
        expect(fast).not.toMatch(/[\n\r]/);
        expect(JSON.parse(fast)).toEqual({ ...f, kid: 'k1', prev });
      }),
      { numRuns: 1000 },
    );
  });

  it('never lets an attribute outside the allow-list through (property)', () => {
    fc.assert(
      fc.property(pending, (p) => {
        const f = encodeRecord(p, 'app', new Set(DEFAULT_ATTRIBUTE_KEYS));
        for (const k of Object.keys(f.attrs ?? {})) expect(DEFAULT_ATTRIBUTE_KEYS).toContain(k);
      }),
    );
  });
});
