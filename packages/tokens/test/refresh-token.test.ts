import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenError } from '../src/index.js';
import {
  hashesEqual,
  hashVerifier,
  newRefreshToken,
  openReplay,
  parseRefreshToken,
  sealReplay,
} from '../src/refresh-token.js';
import { setup } from './helpers.js';

describe('refresh token format', () => {
  it('is selector.verifier with 128 and 256 random bits, and parses back', () => {
    const t = newRefreshToken('family-1');
    expect(Buffer.from(t.selector, 'base64url')).toHaveLength(16);
    expect(Buffer.from(t.verifier, 'base64url')).toHaveLength(32);
    expect(parseRefreshToken(t.token)).toEqual({ selector: t.selector, verifier: t.verifier });
  });

  it('parses any string into nothing or the exact two halves of it (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.base64String({ minLength: 60, maxLength: 70 }),
        ),
        (s) => {
          const parts = parseRefreshToken(s);
          if (parts) expect(`${parts.selector}.${parts.verifier}`).toBe(s);
        },
      ),
    );
  });

  it('compares hashes in constant time and only equal ones match', () => {
    const h = hashVerifier('v');
    expect(hashesEqual(h, hashVerifier('v'))).toBe(true);
    expect(hashesEqual(h, hashVerifier('w'))).toBe(false);
    expect(hashesEqual(h, 'short')).toBe(false);
  });

  it('opens a sealed replay only with the token it was sealed for', () => {
    const a = newRefreshToken('family-1');
    const b = newRefreshToken('family-1');
    const sealed = sealReplay(a, 'pair');
    expect(openReplay(a, sealed)).toBe('pair');
    expect(openReplay(b, sealed)).toBeUndefined();
    expect(openReplay(a, `${sealed.slice(0, -2)}AA`)).toBeUndefined();
    expect(openReplay(a, '')).toBeUndefined();
  });

  it('answers any refresh input with a TokenError and nothing else (fuzz)', async () => {
    const { tokens } = await setup();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)),
        async (s) => {
          const err = await tokens.refresh(s).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(TokenError);
        },
      ),
      { numRuns: 300 },
    );
  });
});
