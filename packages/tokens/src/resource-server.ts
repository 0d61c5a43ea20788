/**
 * Resource-server mode: verify access tokens an identity provider issued (Keycloak, Auth0, Entra
 * ID, Cognito, ...), with its public keys given up front or fetched from its JWKS URL. No
 * signing key is needed. Revocation still works: by `jti` (or the token's hash when it has no
 * `jti`) and by the per-user watermark.
 */

import {
  type Clock,
  ConfigError,
  checkOptions,
  type EventBus,
  type KnownOptions,
  type RevocationStore,
  type SecurityContext,
  type SecurityEventInput,
  systemClock,
} from '@portcullis/core';
import { createClaimsProfile } from './claims.js';
import { checkKeySet, positive, staticResolver, toleranceOf, viaStore } from './context.js';
import { DEFAULT_MAX_TOKEN_LENGTH, DEFAULT_REQUIRED_CLAIMS } from './defaults.js';
import { TokenError } from './errors.js';
import { checkSubject } from './issue.js';
import type { TokenAlgorithm, VerificationKeySet } from './keys.js';
import { withTokensKit } from './kit.js';
import { createMemoryRevocationStore } from './memory-stores.js';
import { type RemoteKeySetOptions, remoteResolver } from './remote-keys.js';
import type {
  AccessTokenClaims,
  AccessTokenVerifier,
  CustomClaims,
  RevocationFailurePolicy,
} from './types.js';
import { createAccessVerifier } from './verifier.js';

/** Asymmetric algorithms a remote key set may serve; HS256 needs a shared secret, never a JWKS. */
const REMOTE_ALGORITHMS: readonly TokenAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
/** Without `maxTokenAgeSec`, a "log out everywhere" is remembered this long (24 h). */
const DEFAULT_WATERMARK_TTL_SEC = 24 * 3600;

/** Options of {@link createTokenVerifier}. Give exactly one of `keys` and `jwks`. */
export interface TokenVerifierOptions {
  /** Static keys from {@link createVerificationKeySet} (public keys, or HS256 secrets). */
  keys?: VerificationKeySet | undefined;
  /** The identity provider's JWKS endpoint, fetched and cached through jose's remote key set. */
  jwks?: RemoteKeySetOptions | undefined;
  /** Accepted `iss` values (exact match). */
  issuer: string | readonly string[];
  /** Accepted audiences: the token's `aud` must name one of them. */
  audience: string | readonly string[];
  /**
   * Accepted `typ` header values, compared case-insensitively with or without `application/`.
   * Default `['at+jwt']` (RFC 9068 section 2.1); add `'JWT'` for providers that type access
   * tokens as plain JWTs (Keycloak, Entra ID).
   */
  typ?: readonly string[] | undefined;
  /** Also accept tokens without a `typ` header (Cognito). Default false. */
  typOptional?: boolean | undefined;
  /** Claims that must be present. Default {@link DEFAULT_REQUIRED_CLAIMS}; `sub` is always needed. */
  requiredClaims?: readonly string[] | undefined;
  /** Algorithms accepted. Default: those of `keys`, or RS256, ES256 and EdDSA for a JWKS. */
  algorithms?: readonly TokenAlgorithm[] | undefined;
  /** Clock tolerance in seconds (0-300). Default 30. */
  clockToleranceSec?: number | undefined;
  /** Refuse tokens whose `iat` is older than this. Default: no limit beyond `exp`. */
  maxTokenAgeSec?: number | undefined;
  /** Longest token accepted, checked before parsing. Default 4096. */
  maxTokenLength?: number | undefined;
  /** Blocklist and watermarks. Default: an in-process memory store. */
  revocationStore?: RevocationStore | undefined;
  /** Revocation store down: `fail-closed` (default, 503) or `fail-open`. */
  revocationFailure?: RevocationFailurePolicy | undefined;
  /**
   * Cache of verified tokens (entries die with the token; revocation checked on every hit). Off
   * by default here: a key the provider withdraws would keep passing its cached tokens until
   * they expire.
   */
  cache?: { max: number } | false | undefined;
  /** The app's security context: its bus and clock unless `events` or `clock` are given. */
  context?: Pick<SecurityContext, 'events' | 'clock'> | undefined;
  events?: EventBus | undefined;
  clock?: Clock | undefined;
}

/** A verifier of foreign access tokens, with revocation. */
export interface TokenVerifier<C extends CustomClaims = CustomClaims> extends AccessTokenVerifier<C> {
  /** Blocklists one token until it expires (by `jti`, or by its hash without one). Invalid tokens resolve quietly. */
  revoke(token: string): Promise<void>;
  /**
   * Refuses every token of `subject` issued up to now. Without `iat_ms` tokens are compared by
   * `iat` seconds: one issued in the same second as the call is refused too.
   */
  revokeAll(subject: string): Promise<void>;
}

const list = (v: string | readonly string[]): readonly string[] => (typeof v === 'string' ? [v] : v);

const VERIFIER_OPTIONS = {
  keys: true,
  jwks: true,
  issuer: true,
  audience: true,
  typ: true,
  typOptional: true,
  requiredClaims: true,
  algorithms: true,
  clockToleranceSec: true,
  maxTokenAgeSec: true,
  maxTokenLength: true,
  revocationStore: true,
  revocationFailure: true,
  cache: true,
  context: true,
  events: true,
  clock: true,
} as const satisfies KnownOptions<TokenVerifierOptions>;

/**
 * Creates a verifier for access tokens issued by an identity provider.
 *
 * @example
 * ```ts
 * const verifier = createTokenVerifier({
 *   jwks: { url: 'https://sso.example/realms/acme/protocol/openid-connect/certs' },
 *   issuer: 'https://sso.example/realms/acme',
 *   audience: 'orders-api',
 *   typ: ['at+jwt', 'JWT'],
 * });
 * const claims = await verifier.verify(bearerToken);
 * ```
 */
export function createTokenVerifier<C extends CustomClaims = CustomClaims>(
  options: TokenVerifierOptions,
): TokenVerifier<C> {
  checkOptions('createTokenVerifier', options, VERIFIER_OPTIONS);
  const { keys, jwks } = options ?? {};
  if ((keys === undefined) === (jwks === undefined))
    throw new ConfigError('tokens: give exactly one of keys (static public keys) and jwks (a JWKS URL)');
  if (keys !== undefined) checkKeySet('createTokenVerifier', keys, 'createVerificationKeySet');
  const events = options.events ?? options.context?.events;
  const clock = options.clock ?? options.context?.clock ?? systemClock;
  const toleranceSec = toleranceOf(options.clockToleranceSec);
  const maxTokenAgeSec =
    options.maxTokenAgeSec === undefined ? undefined : positive('maxTokenAgeSec', options.maxTokenAgeSec);
  const algorithms = options.algorithms ?? (keys ? keys.algorithms : REMOTE_ALGORITHMS);
  if (jwks && algorithms.some((a) => !REMOTE_ALGORITHMS.includes(a)))
    throw new ConfigError('tokens: a JWKS serves public keys only; HS256 needs keys with a secret');
  const revocations = options.revocationStore ?? createMemoryRevocationStore({ clock, warn: false });
  const publish = (e: SecurityEventInput) => {
    if (events && events.listenerCount > 0) events.publish(e);
  };
  const verifier = createAccessVerifier({
    resolve: keys ? staticResolver(keys) : remoteResolver(jwks as RemoteKeySetOptions),
    algorithms: new Set(algorithms),
    profile: createClaimsProfile({
      types: options.typ ?? ['at+jwt'],
      typeOptional: options.typOptional,
      issuers: list(options.issuer),
      audiences: list(options.audience),
      requiredClaims: options.requiredClaims ?? DEFAULT_REQUIRED_CLAIMS,
      maxTokenAgeSec,
      toleranceSec,
    }),
    maxLength: positive('maxTokenLength', options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH, 64),
    clock,
    revocations,
    failOpen: options.revocationFailure === 'fail-open',
    cacheMax: options.cache ? options.cache.max : undefined,
    publish,
  });
  const watermarkTtlMs = ((maxTokenAgeSec ?? DEFAULT_WATERMARK_TTL_SEC) + toleranceSec) * 1000;

  return withTokensKit({
    verify: (token) => verifier.verify(token) as Promise<AccessTokenClaims<C>>,
    async revoke(token) {
      let claims: AccessTokenClaims;
      try {
        claims = await verifier.authenticate(token);
      } catch (err) {
        if (err instanceof TokenError) return;
        throw err;
      }
      const { tokenKey } = verifier.refOf(claims, token);
      if (
        await viaStore(() =>
          revocations.revokeToken(tokenKey, claims.sub, (claims.exp + toleranceSec) * 1000),
        )
      )
        publish({ name: 'authn_token_revoked', userId: claims.sub, attributes: { kind: 'access' } });
    },
    async revokeAll(subject) {
      checkSubject(subject);
      await viaStore(() => revocations.revokeSubject(subject, clock.now(), watermarkTtlMs));
      publish({ name: 'authn_token_revoked_all', userId: subject });
    },
  });
}
