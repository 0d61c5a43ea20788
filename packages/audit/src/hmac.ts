import type { KeyObject } from 'node:crypto';
import * as nodeCrypto from 'node:crypto';

/** HMAC-SHA256 of `bytes` followed by the byte `suffix` (when given), as lowercase hex. */
export type RecordSigner = (bytes: Uint8Array, suffix?: number) => string;

const BLOCK = 64;
const DIGEST = 32;

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'hex') => string;

/**
 * The HMAC of every record, on the write path. RFC 2104 written over Node's one-shot
 * `crypto.hash()` with the key's two padded blocks computed once: H((K ^ opad) || H((K ^ ipad) || m)).
 *
 * Why not `createHmac` per record: on Node 24 a `createHmac(...).update().digest()` costs ~2.6 µs
 * for a 300-byte record, almost all of it the Hmac object's set-up across the JS/C++ boundary,
 * while two one-shot hashes of the same bytes cost ~1.1 µs. `createHmac` stays the oracle: the
 * property test in `test/hmac.test.ts` compares both on random keys and messages, and a runtime
 * without `crypto.hash` (added in Node 21.7 / 20.12) gets `createHmac` itself.
 */
export function createRecordSigner(key: KeyObject): RecordSigner {
  const oneShot = (nodeCrypto as { hash?: OneShotHash }).hash;
  if (typeof oneShot !== 'function') return hmacSigner(key);
  let k: Uint8Array = key.export();
  // RFC 2104 section 2: a key longer than the block is hashed first.
  if (k.length > BLOCK) k = nodeCrypto.createHash('sha256').update(k).digest();
  // Inner scratch: K ^ ipad, then the message (grown as needed). Outer: K ^ opad, inner digest.
  let inner = Buffer.alloc(BLOCK + 1024);
  const outer = Buffer.alloc(BLOCK + DIGEST);
  for (let i = 0; i < BLOCK; i++) {
    const b = i < k.length ? k[i]! : 0;
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  return (bytes, suffix) => {
    const n = BLOCK + bytes.length + (suffix === undefined ? 0 : 1);
    if (n > inner.length) {
      const bigger = Buffer.alloc(Math.max(n, inner.length * 2));
      inner.copy(bigger, 0, 0, BLOCK);
      inner = bigger;
    }
    inner.set(bytes, BLOCK);
    if (suffix !== undefined) inner[n - 1] = suffix;
    outer.write(oneShot('sha256', inner.subarray(0, n), 'hex'), BLOCK, DIGEST, 'hex');
    return oneShot('sha256', outer, 'hex');
  };
}

/** The same function over `createHmac`: the oracle, and the fallback. */
export function hmacSigner(key: KeyObject): RecordSigner {
  return (bytes, suffix) => {
    const h = nodeCrypto.createHmac('sha256', key).update(bytes);
    if (suffix !== undefined) h.update(Uint8Array.of(suffix));
    return h.digest('hex');
  };
}
