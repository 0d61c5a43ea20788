/** The write path's HMAC against createHmac, its oracle: same digest for every key and message. */
import { createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecordSigner, hmacSigner } from '../src/hmac.js';

describe('createRecordSigner', () => {
  it('equals createHmac on random keys, messages and suffixes, one signer across many messages', () => {
    fc.assert(
      fc.property(
        // 32 bytes is the floor audit keys are held to; past 64 the key is hashed first (RFC 2104).
        fc.uint8Array({ minLength: 32, maxLength: 200 }),
        fc.array(
          fc.record({
            // Up to 1500 bytes: past the 1 KiB scratch, so it grows, then signs shorter ones again.
            message: fc.uint8Array({ maxLength: 1500, size: 'max' }),
            suffix: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        (keyBytes, messages) => {
          const key = createSecretKey(keyBytes);
          const fast = createRecordSigner(key);
          const oracle = hmacSigner(key);
          for (const { message, suffix } of messages)
            expect(fast(message, suffix)).toBe(oracle(message, suffix));
        },
      ),
      { numRuns: 200, endOnFailure: true },
    );
  });

  it('a short message after a long one is not signed with the long one’s tail', () => {
    const key = createSecretKey(Buffer.alloc(32, 1));
    const fast = createRecordSigner(key);
    const oracle = hmacSigner(key);
    fast(Buffer.alloc(5000, 0x61), 0x7d);
    const short = Buffer.from('{"a":1');
    expect(fast(short, 0x7d)).toBe(oracle(short, 0x7d));
    expect(fast(short)).toBe(oracle(short));
  });

  it('matches the RFC 4231 test case 2 vector through the same code path (short key, padded)', () => {
    // RFC 4231 4.3: key "Jefe", data "what do ya want for nothing?". Keys under 32 bytes are
    // refused by the audit log, not by the signer, so the published vector applies as is.
    const fast = createRecordSigner(createSecretKey(Buffer.from('Jefe')));
    expect(fast(Buffer.from('what do ya want for nothing?'))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
