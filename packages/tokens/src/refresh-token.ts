import { Buffer } from 'node:buffer';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { taggedSelector } from '@portcullis/core';

/**
 * Refresh tokens are opaque `selector.verifier` strings: the selector (128 random bits) finds the
 * record, the verifier (256 random bits, above the 128 bits OWASP asks of session ids, Session
 * Management Cheat Sheet "Session ID Entropy") is only ever stored as its SHA-256 and compared in
 * constant time. A fast hash is right here: the verifier is random, not a password.
 */
export const SELECTOR_BYTES = 16;
/** Bytes of randomness in the secret half. */
export const VERIFIER_BYTES = 32;

const SELECTOR_LEN = Math.ceil((SELECTOR_BYTES * 4) / 3);
const VERIFIER_LEN = Math.ceil((VERIFIER_BYTES * 4) / 3);
const B64U = /^[A-Za-z0-9_-]+$/;

/** The two halves of a refresh token. */
export interface RefreshTokenParts {
  readonly selector: string;
  readonly verifier: string;
}

/**
 * A new random refresh token of family `familyId`. The selector starts with the family's shard
 * tag (4 characters, see `taggedSelector`) followed by 13 random bytes (104 bits), so its length
 * is unchanged and a sharded store finds the family from the selector alone.
 */
export function newRefreshToken(familyId: string): RefreshTokenParts & { readonly token: string } {
  const selector = taggedSelector(familyId, randomBytes(SELECTOR_BYTES - 3).toString('base64url'));
  const verifier = randomBytes(VERIFIER_BYTES).toString('base64url');
  return { selector, verifier, token: `${selector}.${verifier}` };
}

/** Splits a refresh token; `undefined` when the shape is wrong (no parsing beyond the shape). */
export function parseRefreshToken(token: string): RefreshTokenParts | undefined {
  if (token.length !== SELECTOR_LEN + 1 + VERIFIER_LEN || token[SELECTOR_LEN] !== '.') return undefined;
  const selector = token.slice(0, SELECTOR_LEN);
  const verifier = token.slice(SELECTOR_LEN + 1);
  if (!B64U.test(selector) || !B64U.test(verifier)) return undefined;
  return { selector, verifier };
}

/** base64url SHA-256 of the verifier: the only form that is stored. */
export function hashVerifier(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Constant-time comparison of two base64url hashes (crypto.timingSafeEqual). */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64url');
  const y = Buffer.from(b, 'base64url');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The grace-window replay is the successor pair encrypted (AES-256-GCM) under a key derived
 * (HKDF-SHA256) from the presented verifier. The store never holds a usable token: only someone
 * who presents the old refresh token can read its successor back, and only within the window.
 */
function replayKey(parts: RefreshTokenParts): Buffer {
  return Buffer.from(hkdfSync('sha256', parts.verifier, parts.selector, 'portcullis refresh replay v1', 32));
}

/** Encrypts `plaintext` for a later grace-window replay of `parts`. */
export function sealReplay(parts: RefreshTokenParts, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', replayKey(parts), iv);
  cipher.setAAD(Buffer.from(parts.selector));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Decrypts a replay sealed by {@link sealReplay}; `undefined` when it does not authenticate. */
export function openReplay(parts: RefreshTokenParts, sealed: string): string | undefined {
  const buf = Buffer.from(sealed, 'base64url');
  if (buf.length < 12 + 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', replayKey(parts), buf.subarray(0, 12));
    decipher.setAAD(Buffer.from(parts.selector));
    decipher.setAuthTag(buf.subarray(buf.length - 16));
    return Buffer.concat([decipher.update(buf.subarray(12, buf.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}
