import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARD_TAG_LENGTH, selectorTag, shardTag, taggedSelector } from '../src/index.js';

describe('shardTag', () => {
  it('is 4 base64url characters, the same for the same id, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (id) => {
        const t = shardTag(id);
        expect(t).toMatch(/^[A-Za-z0-9_-]{4}$/);
        expect(shardTag(id)).toBe(t);
      }),
    );
  });

  it('spreads 20,000 ids over the 16384 cluster slots evenly enough (no tag holds 1%)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const t = shardTag(`user-${i}`);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    expect(counts.size).toBeGreaterThan(19_000);
    expect(Math.max(...counts.values())).toBeLessThan(200);
  });

  it('puts the owner tag first in a tagged selector, where selectorTag reads it back', () => {
    const s = taggedSelector('family-1', 'abcdefghijklmnopqr');
    expect(s).toHaveLength(SHARD_TAG_LENGTH + 18);
    expect(selectorTag(s)).toBe(shardTag('family-1'));
  });
});
