import { ConfigError } from '@portcullis/core';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from 'jose';

/** Signature algorithms Portcullis signs access tokens with. `none` is never one of them. */
export type TokenAlgorithm = 'EdDSA' | 'ES256' | 'RS256' | 'HS256';

const ASYMMETRIC = new Set<string>(['EdDSA', 'ES256', 'RS256']);

/**
 * HS256 needs a secret at least as long as the hash output (RFC 7518 section 3.2: "a key of the
 * same size as the hash output (for instance, 256 bits for HS256) or larger MUST be used").
 */
export const MIN_HMAC_SECRET_BYTES = 32;

/** One key of a key set. Asymmetric keys may be given as CryptoKey or JWK. */
export type TokenKeyInput =
  | {
      /** Key id put in the JWS header and used to pick the verification key. */
      kid: string;
      alg: 'EdDSA' | 'ES256' | 'RS256';
      /** Needed only for the current signing key. */
      privateKey?: CryptoKey | JWK | undefined;
      publicKey: CryptoKey | JWK;
    }
  | {
      kid: string;
      alg: 'HS256';
      /** At least 32 random bytes (RFC 7518 section 3.2). */
      secret: Uint8Array;
    };

/** Options of {@link createKeySet}. */
export interface KeySetOptions {
  /** All keys: the current signing key plus older keys still accepted for verification. */
  keys: readonly TokenKeyInput[];
  /** `kid` of the key that signs new tokens; it must have a private key (or a secret). */
  currentKid: string;
}

/** A verification key, pinned to exactly one algorithm. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: TokenAlgorithm;
  readonly key: CryptoKey;
}

/** Keys imported once at start-up: one signing key and every key accepted for verification. */
export interface KeySet {
  /** The key new tokens are signed with. */
  readonly signing: { readonly kid: string; readonly alg: TokenAlgorithm; readonly key: CryptoKey };
  /** Verification key for a `kid`, or undefined. */
  get(kid: string): VerificationKey | undefined;
  /** Every algorithm present in the set (each key still accepts only its own). */
  readonly algorithms: readonly TokenAlgorithm[];
  /** Public keys only, as a JWKS document (RFC 7517 section 5); HMAC secrets are never listed. */
  readonly jwks: JSONWebKeySet;
}

const KID_RE = /^[A-Za-z0-9._-]{1,64}$/;

function isCryptoKey(v: unknown): v is CryptoKey {
  return typeof v === 'object' && v !== null && 'algorithm' in v && 'usages' in v && 'type' in v;
}

async function importAsymmetric(
  input: CryptoKey | JWK,
  alg: TokenAlgorithm,
  kid: string,
): Promise<CryptoKey> {
  if (isCryptoKey(input)) return input;
  try {
    const key = await importJWK(input, alg);
    if (!isCryptoKey(key)) throw new Error('not an asymmetric key');
    return key;
  } catch (cause) {
    throw new ConfigError(`key "${kid}": cannot import the JWK for ${alg}`, { cause });
  }
}

/**
 * Imports the keys once (never per call) and builds the key set used to sign and verify.
 *
 * @example
 * ```ts
 * const keys = await createKeySet({ currentKid: 'k2', keys: [await generateSigningKey('EdDSA', 'k2'), oldPublicKey] });
 * ```
 */
export async function createKeySet(options: KeySetOptions): Promise<KeySet> {
  if (options.keys.length === 0) throw new ConfigError('key set: at least one key is required');
  const byKid = new Map<string, VerificationKey>();
  const jwks: JWK[] = [];
  let signing: KeySet['signing'] | undefined;
  for (const input of options.keys) {
    if (!KID_RE.test(input.kid)) throw new ConfigError(`key set: kid must match ${KID_RE}`);
    if (byKid.has(input.kid)) throw new ConfigError(`key set: duplicate kid "${input.kid}"`);
    if (input.alg === 'HS256') {
      if (!(input.secret instanceof Uint8Array) || input.secret.byteLength < MIN_HMAC_SECRET_BYTES)
        throw new ConfigError(
          `key "${input.kid}": HS256 needs a secret of at least ${MIN_HMAC_SECRET_BYTES} bytes`,
        );
      const key = await crypto.subtle.importKey(
        'raw',
        new Uint8Array(input.secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign', 'verify'],
      );
      byKid.set(input.kid, { kid: input.kid, alg: 'HS256', key });
      if (input.kid === options.currentKid) signing = { kid: input.kid, alg: 'HS256', key };
      continue;
    }
    if (!ASYMMETRIC.has(input.alg)) throw new ConfigError(`key "${input.kid}": unsupported algorithm`);
    const publicKey = await importAsymmetric(input.publicKey, input.alg, input.kid);
    if (publicKey.type !== 'public')
      throw new ConfigError(`key "${input.kid}": publicKey is not a public key`);
    byKid.set(input.kid, { kid: input.kid, alg: input.alg, key: publicKey });
    jwks.push({ ...(await exportJWK(publicKey)), kid: input.kid, alg: input.alg, use: 'sig' });
    if (input.kid === options.currentKid) {
      if (input.privateKey === undefined)
        throw new ConfigError(`key "${input.kid}": the current signing key needs its privateKey`);
      const privateKey = await importAsymmetric(input.privateKey, input.alg, input.kid);
      if (privateKey.type !== 'private')
        throw new ConfigError(`key "${input.kid}": privateKey is not a private key`);
      signing = { kid: input.kid, alg: input.alg, key: privateKey };
    }
  }
  if (!signing) throw new ConfigError(`key set: no key has the current kid "${options.currentKid}"`);
  const algorithms = [...new Set([...byKid.values()].map((k) => k.alg))];
  return Object.freeze({
    signing: Object.freeze(signing),
    get: (kid: string) => byKid.get(kid),
    algorithms: Object.freeze(algorithms),
    jwks: Object.freeze({ keys: jwks }),
  });
}

/**
 * Generates a fresh key for `alg` (Ed25519 for EdDSA, P-256 for ES256, RSA 2048 for RS256, 32
 * random bytes for HS256). The private key is not extractable.
 *
 * @example
 * ```ts
 * const key = await generateSigningKey('EdDSA', '2026-01');
 * ```
 */
export async function generateSigningKey(alg: TokenAlgorithm, kid: string): Promise<TokenKeyInput> {
  if (alg === 'HS256') return { kid, alg, secret: crypto.getRandomValues(new Uint8Array(32)) };
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  return { kid, alg, privateKey, publicKey };
}
