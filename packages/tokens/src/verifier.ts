/**
 * The access-token check shared by the token service and the resource-server verifier: size
 * cap, header screening, synchronous signature check on node:crypto keys, claim checks, then
 * revocation (token, session and subject watermark in one store read), with an optional cache
 * of verified tokens whose every hit is still checked for revocation.
 */
import { hash, type KeyObject } from 'node:crypto';
import {
  type Clock,
  createMemoryTtlStore,
  type MemoryTtlStore,
  type RevocationStore,
  type SecurityEventInput,
  StoreError,
} from '@portcullis/core';
import { type ClaimsProfile, checkClaims } from './claims.js';
import { TokenError, type TokenReason, tokenError } from './errors.js';
import { type ParsedJws, parseJws, verifySignature } from './jws.js';
import type { TokenAlgorithm } from './keys.js';
import type { AccessTokenClaims } from './types.js';

/** The key a verified header names, pinned to one algorithm. */
export interface ResolvedKey {
  readonly alg: TokenAlgorithm;
  readonly key: KeyObject;
}

/** Picks the key for a screened header; throws a `TokenError` (or a `StoreError` for a remote key set). */
export type KeyResolver = (jws: ParsedJws) => ResolvedKey | Promise<ResolvedKey>;

export interface AccessVerifierOptions {
  resolve: KeyResolver;
  algorithms: ReadonlySet<string>;
  profile: ClaimsProfile;
  maxLength: number;
  clock: Clock;
  revocations: RevocationStore;
  failOpen: boolean;
  cacheMax?: number | undefined;
  publish: (event: SecurityEventInput) => void;
}

/** Where a verified token's revocation state lives. */
export interface RevocationRef {
  readonly tokenKey: string;
  readonly sessionKey: string | undefined;
  readonly issuedAtMs: number;
}

export interface AccessVerifier {
  /** Full check, revocation included. */
  verify(token: string): Promise<AccessTokenClaims>;
  /** Header, signature and claims, no revocation: what `revoke` needs to trust a token. */
  authenticate(token: string): Promise<AccessTokenClaims>;
  /** The revocation keys of verified claims. */
  refOf(claims: AccessTokenClaims, token: string): RevocationRef;
}

/** Blocklist key of one token: issuer and `jti`; without a `jti`, the token's SHA-256. */
export const tokenKeyOf = (iss: string, jti: string | undefined, token: string): string =>
  jti === undefined ? `${iss} #${hash('sha256', token, 'base64url')}` : `${iss} ${jti}`;
/** Session key of a `sid`, scoped to its issuer. */
export const sessionKeyOf = (iss: string, sid: string): string => `${iss} ${sid}`;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

interface CacheEntry {
  claims: AccessTokenClaims;
  ref: RevocationRef;
}

export function createAccessVerifier(o: AccessVerifierOptions): AccessVerifier {
  const { clock, revocations, publish, profile, algorithms, resolve } = o;
  const cache: MemoryTtlStore<CacheEntry> | undefined =
    o.cacheMax === undefined ? undefined : createMemoryTtlStore<CacheEntry>({ max: o.cacheMax, clock });

  // Each refusal is published once, with the user id when the token was genuine (revoked).
  const published = new WeakSet<object>();
  const refused = (err: unknown, userId?: string): never => {
    if (err instanceof TokenError && !published.has(err)) {
      published.add(err);
      publish({
        name: 'authn_token_invalid',
        reason: err.reason,
        ...(userId === undefined ? {} : { userId }),
      });
    }
    throw err;
  };
  const fail = (reason: TokenReason, userId?: string): never => refused(tokenError(reason), userId);

  const storeFailed = (err: unknown): void => {
    publish({ name: 'sys_store_unavailable', resource: 'revocation-store', reason: 'ERR_STORE_UNAVAILABLE' });
    if (o.failOpen) return;
    if (err instanceof StoreError) throw err;
    throw new StoreError('ERR_STORE_UNAVAILABLE', 'the revocation store failed', { cause: err });
  };

  /** Synchronous when the store answers synchronously (memory), so a hit costs no promise chain. */
  const checkRevocation = (
    claims: AccessTokenClaims,
    ref: RevocationRef,
  ): AccessTokenClaims | Promise<AccessTokenClaims> => {
    let answer: boolean | Promise<boolean>;
    try {
      answer = revocations.isRevoked(ref.tokenKey, claims.sub, ref.issuedAtMs, ref.sessionKey);
    } catch (err) {
      storeFailed(err);
      return claims;
    }
    if (typeof answer === 'boolean') return answer ? fail('ERR_TOKEN_REVOKED', claims.sub) : claims;
    return answer.then(
      (revoked) => (revoked ? fail('ERR_TOKEN_REVOKED', claims.sub) : claims),
      (err: unknown) => {
        storeFailed(err);
        return claims;
      },
    );
  };

  const finish = (jws: ParsedJws, key: ResolvedKey): AccessTokenClaims => {
    const payload = verifySignature(jws, key.alg, key.key);
    checkClaims(jws.header, payload, profile, Math.floor(clock.now() / 1000));
    return payload as AccessTokenClaims;
  };

  /** Header, key, signature and claims; synchronous unless the key set is remote. */
  const check = (token: string): AccessTokenClaims | Promise<AccessTokenClaims> => {
    if (typeof token !== 'string' || token === '') throw tokenError('ERR_TOKEN_MISSING');
    if (token.length > o.maxLength) throw tokenError('ERR_TOKEN_TOO_LARGE');
    const jws = parseJws(token, algorithms);
    const key = resolve(jws);
    return key instanceof Promise ? key.then((k) => finish(jws, k)) : finish(jws, key);
  };

  const refOf = (claims: AccessTokenClaims, token: string): RevocationRef => ({
    tokenKey: tokenKeyOf(claims.iss, claims.jti, token),
    sessionKey: claims.sid === undefined ? undefined : sessionKeyOf(claims.iss, claims.sid),
    // Foreign tokens carry `iat` in seconds only: a token issued in the same second as a
    // "log out everywhere" counts as issued before it (refused, never wrongly accepted).
    issuedAtMs: claims.iat_ms ?? claims.iat * 1000,
  });

  const afterCheck = (claims: AccessTokenClaims, token: string, digest: string | undefined) => {
    const ref = refOf(claims, token);
    const result = checkRevocation(claims, ref);
    if (cache !== undefined && digest !== undefined) {
      // The entry dies no later than the token itself (exp without tolerance).
      const ttl = claims.exp * 1000 - clock.now();
      const store = () => {
        // Frozen: one cached object is handed to every request presenting the token.
        if (ttl > 0) cache.set(digest, { claims: deepFreeze(claims), ref }, ttl);
      };
      if (result instanceof Promise)
        return result.then((c) => {
          store();
          return c;
        });
      store();
    }
    return result;
  };

  const verifyNow = (token: string): AccessTokenClaims | Promise<AccessTokenClaims> => {
    let digest: string | undefined;
    if (cache !== undefined && typeof token === 'string' && token.length <= o.maxLength && token !== '') {
      digest = hash('sha256', token, 'base64');
      const hit = cache.get(digest);
      if (hit !== undefined) return checkRevocation(hit.claims, hit.ref);
    }
    const claims = check(token);
    return claims instanceof Promise
      ? claims.then((c) => afterCheck(c, token, digest))
      : afterCheck(claims, token, digest);
  };

  return {
    verify(token) {
      try {
        const result = verifyNow(token);
        return result instanceof Promise ? result.catch(refused) : Promise.resolve(result);
      } catch (err) {
        return Promise.reject(err).catch(refused);
      }
    },
    async authenticate(token) {
      return check(token);
    },
    refOf,
  };
}
