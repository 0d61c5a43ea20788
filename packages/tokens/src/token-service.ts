import { hash, randomBytes, randomUUID } from 'node:crypto';
import {
  type Clock,
  ConfigError,
  createMemoryTtlStore,
  type EventBus,
  isPortcullisError,
  type MemoryTtlStore,
  type RefreshTokenStore,
  type RevocationStore,
  type SecurityContext,
  type SecurityEventInput,
  StoreError,
  systemClock,
} from '@portcullis/core';
import { type JWTHeaderParameters, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { TokenError, type TokenErrorCode } from './errors.js';
import type { KeySet } from './keys.js';
import { createMemoryRefreshTokenStore, createMemoryRevocationStore } from './memory-stores.js';
import {
  hashesEqual,
  hashVerifier,
  newRefreshToken,
  openReplay,
  parseRefreshToken,
  sealReplay,
} from './refresh-token.js';

/** Access tokens live 1 h by default, as the backlog (s2) asks; 15 min is a good choice with refresh tokens on. */
export const DEFAULT_ACCESS_TTL_SEC = 3600;
/** Refresh tokens unused for 7 days die (idle lifetime). */
export const DEFAULT_REFRESH_IDLE_SEC = 7 * 24 * 3600;
/** No refresh-token family outlives 30 days after login (absolute lifetime). */
export const DEFAULT_REFRESH_ABSOLUTE_SEC = 30 * 24 * 3600;
/** A client that lost the response to a refresh may retry with the same token this long. */
export const DEFAULT_REFRESH_GRACE_MS = 5000;
/** Clock skew tolerated on `exp`/`iat`/`nbf`; bounded to 5 min. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
/** Tokens longer than this are refused before any parsing (a 1 h EdDSA token is ~400 bytes). */
export const DEFAULT_MAX_TOKEN_LENGTH = 4096;
/** `typ` of access tokens, RFC 9068 section 2.1. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Private claim with the issue time in ms, so "log out everywhere" also covers tokens issued in the same second. */
export const ISSUED_AT_MS_CLAIM = 'iat_ms';

const RESERVED = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sid', ISSUED_AT_MS_CLAIM]);
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/** Extra claims an application puts in its access tokens (scalar or JSON values). */
export type CustomClaims = Record<string, unknown>;

/** Claims of a verified access token. */
export type AccessTokenClaims<C extends CustomClaims = CustomClaims> = C & {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | string[];
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  /** Refresh-token family (session) the token was issued with. */
  readonly sid?: string | undefined;
  readonly iat_ms: number;
};

/** What login and refresh hand to the client (RFC 6749 section 5.1 names). */
export interface TokenPair {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expires_in: number;
  readonly refresh_token: string;
}

/** What to do when the revocation store cannot answer during access-token verification. */
export type RevocationFailurePolicy = 'fail-closed' | 'fail-open';

/** Options of {@link createTokenService}. */
export interface TokenServiceOptions {
  /** Key set from {@link createKeySet}. */
  keys: KeySet;
  /** `iss` of issued tokens, the only issuer accepted. */
  issuer: string;
  /** `aud` of issued tokens; verification requires it. */
  audience: string;
  /** Access-token lifetime in seconds. Default {@link DEFAULT_ACCESS_TTL_SEC}. */
  accessTtlSec?: number | undefined;
  /** Refresh-token idle lifetime in seconds. Default 7 days. */
  refreshIdleSec?: number | undefined;
  /** Refresh-token family absolute lifetime in seconds. Default 30 days. */
  refreshAbsoluteSec?: number | undefined;
  /** Grace window for a retried refresh in ms. Default 5000; 0 disables it. */
  refreshGraceMs?: number | undefined;
  /** Clock tolerance in seconds (0-300). Default 30. */
  clockToleranceSec?: number | undefined;
  /** Longest token accepted, checked before parsing. Default 4096. */
  maxTokenLength?: number | undefined;
  /** Blocklist and per-user watermarks. Default: the memory store (warns at start-up). */
  revocationStore?: RevocationStore | undefined;
  /** Refresh-token storage. Default: the memory store. */
  refreshStore?: RefreshTokenStore | undefined;
  /**
   * Revocation store down during access verification: `fail-closed` (default) answers 503 through
   * core's `StoreError`; `fail-open` accepts the signed token and publishes `sys_store_unavailable`.
   * Refresh always fails closed.
   */
  revocationFailure?: RevocationFailurePolicy | undefined;
  /** Cache of verified tokens (entries die no later than the token; revocation still checked every hit). Off by default. */
  cache?: { max: number } | undefined;
  /** The app's security context: its bus and clock unless `events` or `clock` are given. */
  context?: Pick<SecurityContext, 'events' | 'clock'> | undefined;
  events?: EventBus | undefined;
  clock?: Clock | undefined;
}

/** Input of {@link TokenService.issue}. */
export interface IssueInput<C extends CustomClaims = CustomClaims> {
  /** The user id (`sub`). */
  subject: string;
  /** Extra claims; registered names (`iss`, `sub`, `exp`, ...) are refused. */
  claims?: C | undefined;
}

/** The tokens module: issue, verify, refresh (rotate) and revoke. */
export interface TokenService<C extends CustomClaims = CustomClaims> {
  /** Issues an access token and the first refresh token of a new family (login). */
  issue(input: IssueInput<C>): Promise<TokenPair>;
  /**
   * Issues an access token alone, without a refresh token (service-to-service calls, or when the
   * client re-authenticates instead of refreshing). Revocable like any other access token.
   */
  issueAccessToken(
    input: IssueInput<C>,
  ): Promise<{ readonly access_token: string; readonly expires_in: number }>;
  /** Verifies an access token: signature, header, claims, then revocation. Throws {@link TokenError}. */
  verify(token: string): Promise<AccessTokenClaims<C>>;
  /**
   * Rotates a refresh token: returns a new pair and spends the old token. A replay within the
   * grace window returns the same pair; a replay after it revokes the whole family. Fails closed.
   */
  refresh(refreshToken: string): Promise<TokenPair>;
  /**
   * Revokes an access token (by `iss`, `jti`) or a refresh token (its whole family). Unknown,
   * invalid and already revoked tokens resolve the same way (RFC 7009 section 2.2).
   */
  revoke(token: string): Promise<void>;
  /** Revokes every access and refresh token of `subject` issued up to now ("log out everywhere"). */
  revokeAll(subject: string): Promise<void>;
  /** Public keys for other services (JWKS, RFC 7517 section 5). */
  jwks(): { keys: object[] };
  /** Access-token lifetime in seconds. */
  readonly accessTtlSec: number;
}

interface CacheEntry {
  claims: AccessTokenClaims;
  revocationKey: string;
}

function positive(name: string, v: number, min = 1): number {
  if (!Number.isFinite(v) || v < min) throw new ConfigError(`tokens: ${name} must be a number >= ${min}`);
  return v;
}

function joseCode(err: unknown): TokenErrorCode {
  if (err instanceof TokenError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWT_EXPIRED') return 'ERR_TOKEN_EXPIRED';
  if (code === 'ERR_JWS_INVALID' || code === 'ERR_JWT_INVALID') return 'ERR_TOKEN_MALFORMED';
  return 'ERR_TOKEN_INVALID';
}

const DETAILS: Record<TokenErrorCode, string> = {
  ERR_TOKEN_MISSING: 'no access token was sent',
  ERR_TOKEN_MALFORMED: 'the token is not a well-formed compact JWS',
  ERR_TOKEN_TOO_LARGE: 'the token is longer than allowed',
  ERR_TOKEN_INVALID: 'the token failed verification',
  ERR_TOKEN_EXPIRED: 'the token has expired',
  ERR_TOKEN_REVOKED: 'the token has been revoked',
  ERR_TOKEN_REUSED: 'the refresh token was already used; its session is revoked',
};

/**
 * Creates the token service.
 *
 * @example
 * ```ts
 * const keys = await createKeySet({ currentKid: 'k1', keys: [await generateSigningKey('EdDSA', 'k1')] });
 * const tokens = createTokenService({ keys, issuer: 'https://api.example', audience: 'api' });
 * const pair = await tokens.issue({ subject: 'user-42' });
 * const claims = await tokens.verify(pair.access_token);
 * const next = await tokens.refresh(pair.refresh_token);
 * await tokens.revokeAll('user-42');
 * ```
 */
export function createTokenService<C extends CustomClaims = CustomClaims>(
  options: TokenServiceOptions,
): TokenService<C> {
  const { keys, issuer, audience } = options;
  const events = options.events ?? options.context?.events;
  if (!issuer || !audience) throw new ConfigError('tokens: issuer and audience are required');
  const clock = options.clock ?? options.context?.clock ?? systemClock;
  const accessTtlSec = positive('accessTtlSec', options.accessTtlSec ?? DEFAULT_ACCESS_TTL_SEC);
  const refreshIdleMs = positive('refreshIdleSec', options.refreshIdleSec ?? DEFAULT_REFRESH_IDLE_SEC) * 1000;
  const refreshAbsoluteMs =
    positive('refreshAbsoluteSec', options.refreshAbsoluteSec ?? DEFAULT_REFRESH_ABSOLUTE_SEC) * 1000;
  const graceMs = positive('refreshGraceMs', options.refreshGraceMs ?? DEFAULT_REFRESH_GRACE_MS, 0);
  const tolerance = positive(
    'clockToleranceSec',
    options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
    0,
  );
  if (tolerance > 300) throw new ConfigError('tokens: clockToleranceSec must be at most 300');
  const maxLength = positive('maxTokenLength', options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH, 64);
  const failOpen = (options.revocationFailure ?? 'fail-closed') === 'fail-open';
  const revocations = options.revocationStore ?? createMemoryRevocationStore({ clock });
  const refreshStore = options.refreshStore ?? createMemoryRefreshTokenStore({ clock });
  const cache: MemoryTtlStore<CacheEntry> | undefined = options.cache
    ? createMemoryTtlStore<CacheEntry>({ max: options.cache.max, clock })
    : undefined;
  // The subject watermark must outlive every token it covers: the longest is a refresh family.
  const watermarkTtlMs = Math.max(accessTtlSec * 1000, refreshAbsoluteMs) + tolerance * 1000;
  const algorithms = [...keys.algorithms];

  const publish = (e: SecurityEventInput) => {
    if (events && events.listenerCount > 0) events.publish(e);
  };

  const fail = (code: TokenErrorCode, cause?: unknown, userId?: string): never => {
    publish({ name: 'authn_token_invalid', reason: code, ...(userId === undefined ? {} : { userId }) });
    throw new TokenError(code, DETAILS[code], cause === undefined ? {} : { cause });
  };

  const getKey = (header: JWTHeaderParameters) => {
    // Never follow a key URL or an embedded key: the only trusted keys are ours (RFC 8725 section 3.10).
    for (const h of FORBIDDEN_HEADERS) if (header[h] !== undefined) throw new TokenError('ERR_TOKEN_INVALID');
    const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
    // One algorithm per key: no algorithm confusion (RFC 8725 section 3.1).
    if (!key || header.alg !== key.alg) throw new TokenError('ERR_TOKEN_INVALID');
    return key.key;
  };

  const tokenKey = (iss: string, jti: string) => `${iss} ${jti}`;

  /** Any store failure becomes a `StoreError` (503): refresh and revocation fail closed. */
  const viaStore = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (isPortcullisError(err)) throw err;
      throw new StoreError('ERR_STORE_UNAVAILABLE', 'a token store failed', { cause: err });
    }
  };

  const storeFailed = (err: unknown): void => {
    publish({ name: 'sys_store_unavailable', resource: 'revocation-store', reason: 'ERR_STORE_UNAVAILABLE' });
    if (failOpen) return;
    if (err instanceof StoreError) throw err;
    throw new StoreError('ERR_STORE_UNAVAILABLE', 'the revocation store failed', { cause: err });
  };

  /**
   * The revocation check, then `claims`. Synchronous when the store answers synchronously (the
   * memory store), so the cached path costs one promise, not a chain of them.
   */
  const checkRevocation = <T extends AccessTokenClaims>(claims: T, revocationKey: string): T | Promise<T> => {
    let answer: boolean | Promise<boolean>;
    try {
      answer = revocations.isRevoked(revocationKey, claims.sub, claims.iat_ms);
    } catch (err) {
      storeFailed(err);
      return claims;
    }
    if (typeof answer === 'boolean')
      return answer ? fail('ERR_TOKEN_REVOKED', undefined, claims.sub) : claims;
    return answer.then(
      (revoked) => (revoked ? fail('ERR_TOKEN_REVOKED', undefined, claims.sub) : claims),
      (err: unknown) => {
        storeFailed(err);
        return claims;
      },
    );
  };

  const verifySignature = async (token: string): Promise<AccessTokenClaims> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms,
        typ: ACCESS_TOKEN_TYP,
        issuer,
        audience,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
        maxTokenAge: accessTtlSec,
        clockTolerance: tolerance,
        currentDate: new Date(clock.now()),
      }));
    } catch (err) {
      return fail(joseCode(err), err);
    }
    if (
      typeof payload.sub !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload[ISSUED_AT_MS_CLAIM] !== 'number' ||
      (payload.sid !== undefined && typeof payload.sid !== 'string')
    )
      return fail('ERR_TOKEN_INVALID');
    return payload as AccessTokenClaims;
  };

  const verifyUncached = async (token: string, digest: string | undefined): Promise<AccessTokenClaims<C>> => {
    if (!COMPACT_JWS.test(token)) return fail('ERR_TOKEN_MALFORMED');
    const claims = await verifySignature(token);
    const revocationKey = tokenKey(claims.iss, claims.jti);
    await checkRevocation(claims, revocationKey);
    if (cache && digest !== undefined) {
      // The entry dies no later than the token itself (exp without tolerance).
      const ttl = claims.exp * 1000 - clock.now();
      if (ttl > 0) cache.set(digest, { claims, revocationKey }, ttl);
    }
    return claims as AccessTokenClaims<C>;
  };

  const sign = async (subject: string, claims: CustomClaims, sid: string | undefined, nowMs: number) => {
    const iat = Math.floor(nowMs / 1000);
    const payload = sid === undefined ? { ...claims } : { ...claims, sid };
    const jwt = new SignJWT({ ...payload, [ISSUED_AT_MS_CLAIM]: nowMs })
      .setProtectedHeader({ alg: keys.signing.alg, kid: keys.signing.kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt(iat)
      .setExpirationTime(iat + accessTtlSec)
      .setJti(randomUUID());
    return jwt.sign(keys.signing.key);
  };

  const checkClaims = (claims: CustomClaims | undefined): CustomClaims => {
    if (claims === undefined) return {};
    for (const k of Object.keys(claims))
      if (RESERVED.has(k))
        throw new ConfigError(`tokens: claim "${k}" is set by Portcullis and cannot be overridden`);
    return claims;
  };

  const service: TokenService<C> = {
    accessTtlSec,
    async issue({ subject, claims }) {
      if (typeof subject !== 'string' || subject === '')
        throw new ConfigError('tokens: subject must be a non-empty string');
      const extra = checkClaims(claims);
      const now = clock.now();
      const familyId = randomBytes(16).toString('base64url');
      const rt = newRefreshToken(familyId);
      await viaStore(() =>
        refreshStore.create({
          selector: rt.selector,
          verifierHash: hashVerifier(rt.verifier),
          familyId,
          subject,
          issuedAt: now,
          familyIssuedAt: now,
          expiresAt: Math.min(now + refreshIdleMs, now + refreshAbsoluteMs),
          familyExpiresAt: now + refreshAbsoluteMs,
          data: JSON.stringify(extra),
        }),
      );
      const access = await sign(subject, extra, familyId, now);
      publish({ name: 'authn_token_created', userId: subject, attributes: { sid: familyId } });
      return {
        access_token: access,
        token_type: 'Bearer',
        expires_in: accessTtlSec,
        refresh_token: rt.token,
      };
    },

    async issueAccessToken({ subject, claims }) {
      if (typeof subject !== 'string' || subject === '')
        throw new ConfigError('tokens: subject must be a non-empty string');
      const access = await sign(subject, checkClaims(claims), undefined, clock.now());
      publish({ name: 'authn_token_created', userId: subject });
      return { access_token: access, expires_in: accessTtlSec };
    },

    verify(token) {
      try {
        if (typeof token !== 'string' || token === '') return fail('ERR_TOKEN_MISSING');
        if (token.length > maxLength) return fail('ERR_TOKEN_TOO_LARGE');
        if (!cache) return verifyUncached(token, undefined);
        const digest = hash('sha256', token, 'base64');
        const hit = cache.get(digest);
        if (hit === undefined) return verifyUncached(token, digest);
        return Promise.resolve(checkRevocation(hit.claims, hit.revocationKey) as AccessTokenClaims<C>);
      } catch (err) {
        return Promise.reject(err);
      }
    },

    async refresh(refreshToken) {
      if (typeof refreshToken !== 'string' || refreshToken === '') return fail('ERR_TOKEN_MISSING');
      if (refreshToken.length > maxLength) return fail('ERR_TOKEN_TOO_LARGE');
      const parts = parseRefreshToken(refreshToken);
      if (!parts) return fail('ERR_TOKEN_MALFORMED');
      const now = clock.now();
      // Store errors propagate as StoreError: refresh always fails closed.
      const entry = await viaStore(() => refreshStore.find(parts.selector, now));
      const presentedHash = hashVerifier(parts.verifier);
      if (!entry || !hashesEqual(entry.verifierHash, presentedHash)) return fail('ERR_TOKEN_INVALID');
      if (entry.state === 'revoked') return fail('ERR_TOKEN_REVOKED', undefined, entry.subject);
      const watermark = await viaStore(() => revocations.subjectWatermark(entry.subject));
      if (entry.familyIssuedAt <= watermark) {
        await viaStore(() => refreshStore.revokeFamily(entry.familyId, now));
        return fail('ERR_TOKEN_REVOKED', undefined, entry.subject);
      }
      const next = newRefreshToken(entry.familyId);
      let extra: CustomClaims = {};
      try {
        extra = JSON.parse(entry.data || '{}') as CustomClaims;
      } catch {
        extra = {};
      }
      const access = await sign(entry.subject, extra, entry.familyId, now);
      const pair: TokenPair = {
        access_token: access,
        token_type: 'Bearer',
        expires_in: accessTtlSec,
        refresh_token: next.token,
      };
      const result = await viaStore(() =>
        refreshStore.rotate({
          selector: parts.selector,
          verifierHash: presentedHash,
          successor: {
            selector: next.selector,
            verifierHash: hashVerifier(next.verifier),
            familyId: entry.familyId,
            subject: entry.subject,
            issuedAt: now,
            familyIssuedAt: entry.familyIssuedAt,
            expiresAt: Math.min(now + refreshIdleMs, entry.familyExpiresAt),
            familyExpiresAt: entry.familyExpiresAt,
            data: entry.data,
          },
          replay: sealReplay(parts, JSON.stringify(pair)),
          now,
          graceMs,
        }),
      );
      switch (result.outcome) {
        case 'rotated':
          publish({
            name: 'authn_token_refreshed',
            userId: entry.subject,
            attributes: { sid: entry.familyId },
          });
          return pair;
        case 'grace': {
          const replayed = openReplay(parts, result.replay);
          if (replayed === undefined) return fail('ERR_TOKEN_INVALID', undefined, entry.subject);
          publish({
            name: 'authn_token_refreshed',
            userId: entry.subject,
            attributes: { sid: entry.familyId, replay: true },
          });
          return JSON.parse(replayed) as TokenPair;
        }
        case 'reused':
          publish({
            name: 'authn_token_reuse',
            userId: result.subject,
            reason: 'ERR_TOKEN_REUSED',
            attributes: { sid: result.familyId },
          });
          throw new TokenError('ERR_TOKEN_REUSED', DETAILS.ERR_TOKEN_REUSED);
        case 'revoked':
          return fail('ERR_TOKEN_REVOKED', undefined, entry.subject);
        case 'expired':
          return fail('ERR_TOKEN_EXPIRED', undefined, entry.subject);
        default:
          return fail('ERR_TOKEN_INVALID', undefined, entry.subject);
      }
    },

    async revoke(token) {
      if (typeof token !== 'string' || token === '' || token.length > maxLength) return;
      const now = clock.now();
      const parts = parseRefreshToken(token);
      if (parts) {
        const entry = await viaStore(() => refreshStore.find(parts.selector, now));
        if (!entry || !hashesEqual(entry.verifierHash, hashVerifier(parts.verifier))) return;
        if (await viaStore(() => refreshStore.revokeFamily(entry.familyId, now)))
          publish({
            name: 'authn_token_revoked',
            userId: entry.subject,
            attributes: { sid: entry.familyId, kind: 'refresh' },
          });
        return;
      }
      if (!COMPACT_JWS.test(token)) return;
      let claims: AccessTokenClaims;
      try {
        claims = await verifySignature(token);
      } catch (err) {
        if (err instanceof TokenError) return;
        throw err;
      }
      const fresh = await viaStore(() =>
        revocations.revokeToken(
          tokenKey(claims.iss, claims.jti),
          claims.sub,
          (claims.exp + tolerance) * 1000,
        ),
      );
      // Logging out with an access token also ends its refresh family (the session).
      const sid = claims.sid;
      if (sid !== undefined) await viaStore(() => refreshStore.revokeFamily(sid, now));
      if (fresh)
        publish({
          name: 'authn_token_revoked',
          userId: claims.sub,
          attributes: { jti: claims.jti, kind: 'access' },
        });
    },

    async revokeAll(subject) {
      if (typeof subject !== 'string' || subject === '')
        throw new ConfigError('tokens: subject must be a non-empty string');
      // Tokens carry their issue time in ms; "issued at or before now" also covers a token minted
      // in the same second (or millisecond) as the logout.
      await viaStore(() => revocations.revokeSubject(subject, clock.now(), watermarkTtlMs));
      publish({ name: 'authn_token_revoked_all', userId: subject });
    },

    jwks: () => ({ keys: keys.jwks.keys.map((k) => ({ ...k })) }),
  };
  return service;
}
