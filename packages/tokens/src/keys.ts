import { createSecretKey, KeyObject } from 'node:crypto';
import { ConfigError, checkOptions, describeValue, type KnownOptions, requireOption } from '@portcullis/core';
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
  /** The key as jose takes it. */
  readonly key: CryptoKey;
  /** The same key as a node:crypto key object, imported once, for the synchronous verifier. */
  readonly nodeKey: KeyObject;
}

/** Keys that verify tokens, no signing key needed (resource-server mode). */
export interface VerificationKeySet {
  /** Verification key for a `kid`, or undefined. */
  get(kid: string): VerificationKey | undefined;
  /** Every algorithm present in the set (each key still accepts only its own). */
  readonly algorithms: readonly TokenAlgorithm[];
  /** Public keys only, as a JWKS document (RFC 7517 section 5); HMAC secrets are never listed. */
  readonly jwks: JSONWebKeySet;
}

/** Keys imported once at start-up: one signing key and every key accepted for verification. */
export interface KeySet extends VerificationKeySet {
  /** The key new tokens are signed with. */
  readonly signing: { readonly kid: string; readonly alg: TokenAlgorithm; readonly key: CryptoKey };
}

const KID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Every field a key input may have, whatever its algorithm. */
const KEY_INPUT_FIELDS = { kid: true, alg: true, privateKey: true, publicKey: true, secret: true } as const;

/** The HS256 secret, checked: bytes, never a string (a passphrase has far fewer bits than its length). */
function hmacSecret(kid: string, secret: unknown): Uint8Array {
  if (!(secret instanceof Uint8Array))
    throw new ConfigError(
      `key "${kid}": the HS256 secret must be bytes (Uint8Array), e.g. from randomBytes(${MIN_HMAC_SECRET_BYTES}); got ${describeValue(secret)}. A string secret is a passphrase: decode a stored secret to its bytes first (e.g. from base64url)`,
      { option: 'secret' },
    );
  if (secret.byteLength < MIN_HMAC_SECRET_BYTES)
    throw new ConfigError(`key "${kid}": HS256 needs a secret of at least ${MIN_HMAC_SECRET_BYTES} bytes`, {
      option: 'secret',
    });
  return secret;
}

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

/** Asymmetric key type each algorithm needs (RFC 7518 section 3.1, RFC 8037 section 3.1). */
const KEY_TYPE: Readonly<Record<string, string>> = { EdDSA: 'ed25519', ES256: 'ec', RS256: 'rsa' };

/**
 * The node:crypto twin of a verification key, checked against its algorithm once so a mismatch
 * is a start-up error, never a per-request surprise. RSA keys under 2048 bits are refused, as
 * jose refuses them (RFC 7518 section 3.3).
 */
export function nodeKeyFor(key: CryptoKey, alg: TokenAlgorithm, kid: string): KeyObject {
  const nodeKey = KeyObject.from(key);
  const fail = (why: string) => new ConfigError(`key "${kid}": ${why}`);
  if (alg === 'HS256') {
    if (nodeKey.type !== 'secret') throw fail('HS256 needs a secret key');
    return nodeKey;
  }
  if (nodeKey.asymmetricKeyType !== KEY_TYPE[alg])
    throw fail(`the key is not a ${KEY_TYPE[alg]} key for ${alg}`);
  const details = nodeKey.asymmetricKeyDetails;
  if (alg === 'ES256' && details?.namedCurve !== 'prime256v1') throw fail('ES256 needs a P-256 key');
  if (alg === 'RS256' && (details?.modulusLength ?? 0) < 2048)
    throw fail('RS256 needs an RSA key of at least 2048 bits');
  return nodeKey;
}

interface Imported {
  byKid: Map<string, VerificationKey>;
  jwks: JWK[];
}

async function importVerificationKeys(inputs: readonly TokenKeyInput[]): Promise<Imported> {
  if (!Array.isArray(inputs) || inputs.length === 0)
    throw new ConfigError(
      "key set: option \"keys\" needs at least one key, e.g. keys: [await generateSigningKey('EdDSA', 'k1')]",
      { option: 'keys' },
    );
  const byKid = new Map<string, VerificationKey>();
  const jwks: JWK[] = [];
  for (const input of inputs) {
    if (typeof input !== 'object' || input === null)
      throw new ConfigError(
        `key set: each key must be an object { kid, alg, ... }, got ${describeValue(input)}`,
      );
    checkOptions(`key set: key "${String(input.kid).slice(0, 64)}"`, input, KEY_INPUT_FIELDS);
    if (!KID_RE.test(input.kid)) throw new ConfigError(`key set: kid must match ${KID_RE}`);
    if (byKid.has(input.kid)) throw new ConfigError(`key set: duplicate kid "${input.kid}"`);
    if (input.alg === 'HS256') {
      const secret = hmacSecret(input.kid, input.secret);
      const key = await crypto.subtle.importKey(
        'raw',
        new Uint8Array(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign', 'verify'],
      );
      const nodeKey = createSecretKey(new Uint8Array(secret));
      byKid.set(input.kid, { kid: input.kid, alg: 'HS256', key, nodeKey });
      continue;
    }
    if (!ASYMMETRIC.has(input.alg)) throw new ConfigError(`key "${input.kid}": unsupported algorithm`);
    const publicKey = await importAsymmetric(input.publicKey, input.alg, input.kid);
    if (publicKey.type !== 'public')
      throw new ConfigError(`key "${input.kid}": publicKey is not a public key`);
    const nodeKey = nodeKeyFor(publicKey, input.alg, input.kid);
    byKid.set(input.kid, { kid: input.kid, alg: input.alg, key: publicKey, nodeKey });
    jwks.push({ ...(await exportJWK(publicKey)), kid: input.kid, alg: input.alg, use: 'sig' });
  }
  return { byKid, jwks };
}

function freezeSet(imported: Imported): VerificationKeySet {
  const { byKid, jwks } = imported;
  return {
    get: (kid: string) => byKid.get(kid),
    algorithms: Object.freeze([...new Set([...byKid.values()].map((k) => k.alg))]),
    jwks: Object.freeze({ keys: jwks }),
  };
}

/**
 * Imports verification keys once: public keys (CryptoKey or JWK) and HS256 secrets, no signing
 * key. For a resource server that checks tokens an identity provider issued.
 *
 * @example
 * ```ts
 * const keys = await createVerificationKeySet({ keys: [{ kid: 'idp-1', alg: 'RS256', publicKey: idpJwk }] });
 * ```
 */
export async function createVerificationKeySet(options: {
  keys: readonly TokenKeyInput[];
}): Promise<VerificationKeySet> {
  checkOptions('createVerificationKeySet', options, { keys: true });
  requireOption(
    'createVerificationKeySet',
    options ?? {},
    'keys',
    'the public keys (or HS256 secrets) tokens are verified with',
  );
  return Object.freeze(freezeSet(await importVerificationKeys(options.keys)));
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
  checkOptions('createKeySet', options, {
    keys: true,
    currentKid: true,
  } satisfies KnownOptions<KeySetOptions>);
  requireOption(
    'createKeySet',
    options ?? {},
    'keys',
    "the signing key plus older keys still accepted, e.g. keys: [await generateSigningKey('EdDSA', 'k1')]",
  );
  requireOption('createKeySet', options, 'currentKid', 'the kid of the key that signs new tokens');
  const imported = await importVerificationKeys(options.keys);
  const input = options.keys.find((k) => k.kid === options.currentKid);
  if (!input) throw new ConfigError(`key set: no key has the current kid "${options.currentKid}"`);
  let signing: KeySet['signing'];
  if (input.alg === 'HS256') {
    signing = { kid: input.kid, alg: 'HS256', key: (imported.byKid.get(input.kid) as VerificationKey).key };
  } else {
    if (input.privateKey === undefined)
      throw new ConfigError(
        `key "${input.kid}": the current signing key needs its privateKey (to verify only, use createVerificationKeySet)`,
      );
    const privateKey = await importAsymmetric(input.privateKey, input.alg, input.kid);
    if (privateKey.type !== 'private')
      throw new ConfigError(`key "${input.kid}": privateKey is not a private key`);
    signing = { kid: input.kid, alg: input.alg, key: privateKey };
  }
  return Object.freeze({ ...freezeSet(imported), signing: Object.freeze(signing) });
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
