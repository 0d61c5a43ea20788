import { Buffer } from 'node:buffer';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { taggedSelector } from '@portcullis/core';

/** Bytes of the selector (lookup key; not secret on its own). */
const SELECTOR_BYTES = 16;
/**
 * Bytes of the verifier: 256 bits, above the 128 bits floor (OWASP Forgot Password Cheat Sheet:
 * tokens "long enough to protect against brute-force attacks"; NIST SP 800-63B rev. 4 §3.1.2).
 */
const VERIFIER_BYTES = 32;

/** A freshly minted token: `token` goes in the link, only `selector` and `verifierHash` are stored. */
export interface MintedResetToken {
  readonly token: string;
  readonly selector: string;
  readonly verifierHash: string;
}

/** The two halves of a presented token. */
export interface ParsedResetToken {
  readonly selector: string;
  readonly verifier: string;
}

/** Hex SHA-256 of the verifier. A fast hash is right here: the verifier has 256 bits of entropy. */
export function hashVerifier(verifier: string): string {
  return createHash('sha256').update(verifier, 'utf8').digest('hex');
}

/**
 * Mints a `selector.verifier` token (base64url halves) for `userId`. The selector starts with
 * the user's shard tag (see `taggedSelector`) and 13 random bytes follow, so its length is
 * unchanged and a sharded store keeps the token on the user's shard.
 */
export function mintResetToken(userId: string): MintedResetToken {
  const selector = taggedSelector(userId, randomBytes(SELECTOR_BYTES - 3).toString('base64url'));
  const verifier = randomBytes(VERIFIER_BYTES).toString('base64url');
  return { token: `${selector}.${verifier}`, selector, verifierHash: hashVerifier(verifier) };
}

const SELECTOR_LEN = Math.ceil((SELECTOR_BYTES * 4) / 3);
const VERIFIER_LEN = Math.ceil((VERIFIER_BYTES * 4) / 3);
const TOKEN_RE = new RegExp(`^([A-Za-z0-9_-]{${SELECTOR_LEN}})\\.([A-Za-z0-9_-]{${VERIFIER_LEN}})$`);

/** Parses a presented token; `undefined` for anything not of the exact shape (attacker input). */
export function parseResetToken(token: unknown): ParsedResetToken | undefined {
  if (typeof token !== 'string' || token.length !== SELECTOR_LEN + 1 + VERIFIER_LEN) return undefined;
  const m = TOKEN_RE.exec(token);
  if (!m?.[1] || !m[2]) return undefined;
  return { selector: m[1], verifier: m[2] };
}

/** Constant-time comparison of a presented verifier with a stored hash. */
export function verifierMatches(verifier: string, storedHash: string): boolean {
  const a = Buffer.from(hashVerifier(verifier), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
