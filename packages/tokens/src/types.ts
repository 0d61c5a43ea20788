import type { Clock, EventBus, RefreshTokenStore, RevocationStore, SecurityContext } from '@portcullis/core';
import type { KeySet } from './keys.js';

/** Extra claims an application puts in its access tokens (scalar or JSON values). */
export type CustomClaims = Record<string, unknown>;

/**
 * Claims of a verified access token. Tokens Portcullis issued always carry `jti`, `client_id`
 * and `iat_ms`; tokens of an identity provider (resource-server mode) may lack them.
 */
export type AccessTokenClaims<C extends CustomClaims = CustomClaims> = C & {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | string[];
  readonly exp: number;
  readonly iat: number;
  /** Token id; always present in Portcullis tokens, optional from an identity provider. */
  readonly jti?: string | undefined;
  /** Refresh-token family (session) the token was issued with. */
  readonly sid?: string | undefined;
  /** OAuth client the token was issued to (RFC 9068 section 2.2). */
  readonly client_id?: string | undefined;
  /** Issue time in ms (Portcullis tokens); the watermark check falls back to `iat` seconds without it. */
  readonly iat_ms?: number | undefined;
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
  /**
   * `client_id` of issued tokens (RFC 9068 section 2.2 requires it). Default: the audience,
   * because a first-party API that issues its own tokens is both the client and the resource
   * (RFC 9068 section 2.2 lets `client_id` equal another claim's value); set it when a separate
   * OAuth client (a SPA, a mobile app) is the one logging users in.
   */
  clientId?: string | undefined;
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
  /**
   * Cache of verified tokens, keyed by the SHA-256 of the whole token. On by default with
   * {@link DEFAULT_TOKEN_CACHE_MAX} entries: it is bounded (least recently used goes first), an
   * entry dies no later than the token's `exp`, the key set of a service never changes, and the
   * revocation check (token, session, subject) still runs on every hit. `false` turns it off.
   * Cached claims are frozen: treat claims as read-only.
   */
  cache?: { max: number } | false | undefined;
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

/** The part of a token service a route guard needs: verification alone. */
export interface AccessTokenVerifier<C extends CustomClaims = CustomClaims> {
  /** Verifies an access token: header, signature, claims, then revocation. Throws {@link TokenError}. */
  verify(token: string): Promise<AccessTokenClaims<C>>;
}

/** The tokens module: issue, verify, refresh (rotate) and revoke. */
export interface TokenService<C extends CustomClaims = CustomClaims> extends AccessTokenVerifier<C> {
  /** Issues an access token and the first refresh token of a new family (login). */
  issue(input: IssueInput<C>): Promise<TokenPair>;
  /**
   * Issues an access token alone, without a refresh token (service-to-service calls, or when the
   * client re-authenticates instead of refreshing). Revocable like any other access token.
   */
  issueAccessToken(
    input: IssueInput<C>,
  ): Promise<{ readonly access_token: string; readonly expires_in: number }>;
  /**
   * Rotates a refresh token: returns a new pair and spends the old token. A replay within the
   * grace window returns the same pair; a replay after it revokes the whole family (and so every
   * access token of that session). Fails closed.
   */
  refresh(refreshToken: string): Promise<TokenPair>;
  /**
   * Revokes a token and its session: an access token (its `jti`, and its `sid` session: every
   * access token of that login and its refresh family) or a refresh token (its whole family and
   * every access token issued with it). Unknown, invalid and already revoked tokens resolve the
   * same way (RFC 7009 section 2.2).
   */
  revoke(token: string): Promise<void>;
  /** Revokes every access and refresh token of `subject` issued up to now ("log out everywhere"). */
  revokeAll(subject: string): Promise<void>;
  /** Public keys for other services (JWKS, RFC 7517 section 5). */
  jwks(): { keys: object[] };
  /** Access-token lifetime in seconds. */
  readonly accessTtlSec: number;
}
