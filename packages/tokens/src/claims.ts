/**
 * Claim checks of an access token, in the order and with the semantics of jose's
 * `validateClaimsSet` (so the synchronous verifier and jose agree on every token), then the
 * type checks of the claims Portcullis relies on.
 */
import { ConfigError } from '@portcullis/core';
import { type TokenReason, tokenError } from './errors.js';
import type { JsonObject } from './jws.js';

/** What a token must look like, resolved once at start-up. */
export interface ClaimsProfile {
  /** Accepted `typ` values, normalised (`at+jwt` and `application/at+jwt` are one type). */
  readonly types: ReadonlySet<string>;
  /** Accept a token without a `typ` header. */
  readonly typeOptional: boolean;
  readonly issuers: readonly string[];
  readonly audiences: readonly string[];
  /** Claims that must be present, in the order jose reports the first missing one. */
  readonly presence: readonly string[];
  /** Refuse tokens whose `iat` is older than this (seconds), if set. */
  readonly maxTokenAgeSec: number | undefined;
  readonly toleranceSec: number;
}

/** Input of {@link createClaimsProfile}. */
export interface ClaimsProfileInput {
  types: readonly string[];
  typeOptional?: boolean | undefined;
  issuers: readonly string[];
  audiences: readonly string[];
  requiredClaims: readonly string[];
  maxTokenAgeSec?: number | undefined;
  toleranceSec: number;
}

/** `typ` compared as jose compares it (RFC 7515 section 4.1.9: the `application/` prefix may be left out). */
export function normalizeTyp(value: string): string {
  const lower = value.toLowerCase();
  return value.includes('/') ? lower : `application/${lower}`;
}

const nonEmpty = (name: string, list: readonly string[]): readonly string[] => {
  if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string' || v === ''))
    throw new ConfigError(`tokens: ${name} must be a non-empty list of non-empty strings`);
  return Object.freeze([...list]);
};

export function createClaimsProfile(input: ClaimsProfileInput): ClaimsProfile {
  const types = nonEmpty('typ', input.types);
  const required = [...input.requiredClaims];
  // jose's presence order: requiredClaims, then iat (maxTokenAge), aud, iss; reversed, deduplicated.
  if (input.maxTokenAgeSec !== undefined) required.push('iat');
  required.push('aud', 'iss');
  return Object.freeze({
    types: new Set(types.map(normalizeTyp)),
    typeOptional: input.typeOptional === true,
    issuers: nonEmpty('issuer', input.issuers),
    audiences: nonEmpty('audience', input.audiences),
    presence: Object.freeze([...new Set(required.reverse())]),
    maxTokenAgeSec: input.maxTokenAgeSec,
    toleranceSec: input.toleranceSec,
  });
}

const CLAIM_REASON: Readonly<Record<string, TokenReason>> = {
  iss: 'ERR_TOKEN_ISSUER',
  aud: 'ERR_TOKEN_AUDIENCE',
};
const missing = (claim: string): TokenReason => CLAIM_REASON[claim] ?? 'ERR_TOKEN_CLAIMS';

function numericDate(claims: JsonObject, name: string, required: boolean): number | undefined {
  const v = claims[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number') throw tokenError('ERR_TOKEN_CLAIMS');
  return v;
}

/**
 * Checks `claims` (and the header's `typ`) against `profile` at `nowSec` (whole seconds, as jose
 * floors it). Throws a `TokenError` whose reason names the failed check.
 */
export function checkClaims(
  header: JsonObject,
  claims: JsonObject,
  profile: ClaimsProfile,
  nowSec: number,
): void {
  const typ = header.typ;
  if (
    typ === undefined
      ? !profile.typeOptional
      : typeof typ !== 'string' || !profile.types.has(normalizeTyp(typ))
  )
    throw tokenError('ERR_TOKEN_TYPE');
  for (const claim of profile.presence) if (!Object.hasOwn(claims, claim)) throw tokenError(missing(claim));
  if (!profile.issuers.includes(claims.iss as string)) throw tokenError('ERR_TOKEN_ISSUER');
  const aud = claims.aud;
  const audOk =
    typeof aud === 'string'
      ? profile.audiences.includes(aud)
      : Array.isArray(aud) && profile.audiences.some((a) => aud.includes(a));
  if (!audOk) throw tokenError('ERR_TOKEN_AUDIENCE');
  const tolerance = profile.toleranceSec;
  const iat = numericDate(claims, 'iat', profile.maxTokenAgeSec !== undefined);
  const nbf = numericDate(claims, 'nbf', false);
  if (nbf !== undefined && nbf > nowSec + tolerance) throw tokenError('ERR_TOKEN_NOT_YET_VALID');
  const exp = numericDate(claims, 'exp', false);
  if (exp !== undefined && exp <= nowSec - tolerance) throw tokenError('ERR_TOKEN_EXPIRED');
  if (profile.maxTokenAgeSec !== undefined) {
    const age = nowSec - (iat as number);
    if (age - tolerance > profile.maxTokenAgeSec) throw tokenError('ERR_TOKEN_EXPIRED');
    if (age < -tolerance) throw tokenError('ERR_TOKEN_NOT_YET_VALID');
  }
  // What Portcullis itself reads: revocation keys on sub, jti and sid; the watermark on iat_ms.
  if (
    typeof claims.sub !== 'string' ||
    (claims.jti !== undefined && typeof claims.jti !== 'string') ||
    (claims.sid !== undefined && typeof claims.sid !== 'string') ||
    (claims.iat_ms !== undefined && typeof claims.iat_ms !== 'number') ||
    (claims.client_id !== undefined && typeof claims.client_id !== 'string')
  )
    throw tokenError('ERR_TOKEN_CLAIMS');
}
