/**
 * Synchronous compact-JWS verification on node:crypto key objects, written to give exactly the
 * verdict jose's `jwtVerify` gives with the same options (jose is the oracle of the differential
 * test in test/differential.test.ts): same parsing, same order of checks, same base64url and
 * UTF-8 strictness. jose stays for signing, key import and remote key sets.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import { tokenError } from './errors.js';
import type { TokenAlgorithm } from './keys.js';

/** Compact JWS, three non-empty base64url parts (RFC 7515 section 7.1). */
export const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/**
 * Never follow a key URL or an embedded key (RFC 8725 section 3.10), and understand no
 * extension: a `crit` header names semantics this verifier does not implement.
 */
export const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;

export type JsonObject = Record<string, unknown>;

/** A plain JSON object, as jose decides it (arrays and null are not). */
function isObject(v: unknown): v is JsonObject {
  if (typeof v !== 'object' || v === null || Object.prototype.toString.call(v) !== '[object Object]')
    return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** base64url as WHATWG forgiving-base64 decodes it: a length of 4n+1 is an error, spare bits are ignored. */
function decode(part: string): Buffer | undefined {
  return part.length % 4 === 1 ? undefined : Buffer.from(part, 'base64url');
}

/** Strict UTF-8 JSON object, a leading BOM dropped (as `TextDecoder` with `fatal: true` does). */
export function decodeJsonObject(part: string): JsonObject | undefined {
  const bytes = decode(part);
  if (bytes === undefined || !isUtf8(bytes)) return undefined;
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8', start));
  } catch {
    return undefined;
  }
  return isObject(value) ? value : undefined;
}

/**
 * Parsed protected headers by their encoded form: every token of one key shares one header, so
 * parsing it once per key (not per token) saves a base64 decode and a JSON parse. Bounded; the
 * value is a pure function of the key, and frozen so no caller can change it for the next.
 */
const headers = new Map<string, Readonly<JsonObject> | undefined>();
const MAX_HEADERS = 64;
function headerOf(part: string): Readonly<JsonObject> | undefined {
  if (part.length > 512) return decodeJsonObject(part);
  let header = headers.get(part);
  if (header === undefined && !headers.has(part)) {
    header = decodeJsonObject(part);
    if (header !== undefined) Object.freeze(header);
    if (headers.size >= MAX_HEADERS) headers.clear();
    headers.set(part, header);
  }
  return header;
}

/** The parts of a compact JWS whose protected header parsed. */
export interface ParsedJws {
  readonly header: Readonly<JsonObject>;
  readonly alg: string;
  /** `header.payload`, the ASCII bytes the signature covers. */
  readonly signingInput: string;
  readonly payload: string;
  readonly signature: string;
}

/**
 * Splits and screens a compact JWS up to key selection, in jose's order: header JSON, `crit`
 * and `b64`, `alg` present, `alg` among `algorithms`. Throws a `TokenError`.
 */
export function parseJws(token: string, algorithms: ReadonlySet<string>): ParsedJws {
  if (!COMPACT_JWS.test(token)) throw tokenError('ERR_TOKEN_MALFORMED');
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  const header = headerOf(token.slice(0, dot1));
  if (header === undefined) throw tokenError('ERR_TOKEN_MALFORMED');
  const crit = header.crit;
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0 || crit.some((c) => typeof c !== 'string' || c === ''))
      throw tokenError('ERR_TOKEN_MALFORMED');
    for (const c of crit as string[]) {
      // jose recognises only `b64` (RFC 7797); anything else is an unsupported extension.
      if (c !== 'b64') throw tokenError('ERR_TOKEN_HEADER');
      if (!Object.hasOwn(header, c)) throw tokenError('ERR_TOKEN_MALFORMED');
    }
    if (typeof header.b64 !== 'boolean') throw tokenError('ERR_TOKEN_MALFORMED');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') throw tokenError('ERR_TOKEN_MALFORMED');
  if (!algorithms.has(alg)) throw tokenError('ERR_TOKEN_KEY');
  return {
    header,
    alg,
    signingInput: token.slice(0, dot2),
    payload: token.slice(dot1 + 1, dot2),
    signature: token.slice(dot2 + 1),
  };
}

/** Refuses the headers no verifier here may act on. */
export function screenHeader(header: JsonObject): void {
  for (const h of FORBIDDEN_HEADERS) if (header[h] !== undefined) throw tokenError('ERR_TOKEN_HEADER');
}

/**
 * Checks the signature with a key imported once. HMAC compares in constant time; ES256 takes
 * the raw `r || s` form JWS uses (RFC 7518 section 3.4), not DER. Then decodes the payload.
 */
export function verifySignature(jws: ParsedJws, alg: TokenAlgorithm, key: KeyObject): JsonObject {
  const signature = decode(jws.signature);
  if (signature === undefined) throw tokenError('ERR_TOKEN_MALFORMED');
  let valid = false;
  try {
    if (alg === 'HS256') {
      const mac = createHmac('sha256', key).update(jws.signingInput).digest();
      valid = mac.length === signature.length && timingSafeEqual(mac, signature);
    } else if (alg === 'EdDSA') {
      valid = verify(null, Buffer.from(jws.signingInput), key, signature);
    } else if (alg === 'ES256') {
      valid = verify('sha256', Buffer.from(jws.signingInput), { key, dsaEncoding: 'ieee-p1363' }, signature);
    } else {
      valid = verify('sha256', Buffer.from(jws.signingInput), key, signature);
    }
  } catch (cause) {
    throw tokenError('ERR_TOKEN_SIGNATURE', cause);
  }
  if (!valid) throw tokenError('ERR_TOKEN_SIGNATURE');
  const payload = decodeJsonObject(jws.payload);
  if (payload === undefined) throw tokenError('ERR_TOKEN_MALFORMED');
  return payload;
}
