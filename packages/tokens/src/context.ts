/** The token service's options, checked and resolved once, shared by issue, verify, refresh and revoke. */
import {
  type Clock,
  ConfigError,
  checkOptions,
  describeValue,
  isPortcullisError,
  type KnownOptions,
  type RefreshTokenStore,
  type RevocationStore,
  type SecurityEventInput,
  StoreError,
  systemClock,
} from '@portcullis/core';
import { createClaimsProfile } from './claims.js';
import {
  ACCESS_TOKEN_TYP,
  DEFAULT_ACCESS_TTL_SEC,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_MAX_TOKEN_LENGTH,
  DEFAULT_REFRESH_ABSOLUTE_SEC,
  DEFAULT_REFRESH_GRACE_MS,
  DEFAULT_REFRESH_IDLE_SEC,
  DEFAULT_TOKEN_CACHE_MAX,
} from './defaults.js';
import { tokenError } from './errors.js';
import { screenHeader } from './jws.js';
import type { KeySet, VerificationKeySet } from './keys.js';
import { createMemoryRefreshTokenStore, createMemoryRevocationStore } from './memory-stores.js';
import type { TokenServiceOptions } from './types.js';
import { type AccessVerifier, createAccessVerifier, type KeyResolver } from './verifier.js';

export interface ServiceContext {
  readonly keys: KeySet;
  readonly issuer: string;
  readonly audience: string;
  readonly clientId: string;
  readonly clock: Clock;
  readonly accessTtlSec: number;
  readonly refreshIdleMs: number;
  readonly refreshAbsoluteMs: number;
  readonly graceMs: number;
  readonly toleranceSec: number;
  readonly maxLength: number;
  readonly revocations: RevocationStore;
  readonly refreshStore: RefreshTokenStore;
  readonly verifier: AccessVerifier;
  /** The subject watermark must outlive every token it covers: the longest is a refresh family. */
  readonly watermarkTtlMs: number;
  /** A revoked session must outlive the access tokens it covers: issued up to now, alive one TTL. */
  readonly sessionTtlMs: number;
  publish(event: SecurityEventInput): void;
}

export function positive(name: string, v: number, min = 1): number {
  if (!Number.isFinite(v) || v < min) throw new ConfigError(`tokens: ${name} must be a number >= ${min}`);
  return v;
}

/** Clock tolerance in seconds, 0-300. */
export function toleranceOf(value: number | undefined): number {
  const tolerance = positive('clockToleranceSec', value ?? DEFAULT_CLOCK_TOLERANCE_SEC, 0);
  if (tolerance > 300) throw new ConfigError('tokens: clockToleranceSec must be at most 300');
  return tolerance;
}

/** Key selection on a static key set: algorithm pinned per `kid` (RFC 8725 section 3.1). */
export function staticResolver(keys: VerificationKeySet): KeyResolver {
  return (jws) => {
    screenHeader(jws.header);
    const kid = jws.header.kid;
    const key = typeof kid === 'string' ? keys.get(kid) : undefined;
    if (key === undefined || key.alg !== jws.alg) throw tokenError('ERR_TOKEN_KEY');
    return { alg: key.alg, key: key.nodeKey };
  };
}

/** Any store failure becomes a `StoreError` (503): refresh and revocation fail closed. */
export async function viaStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isPortcullisError(err)) throw err;
    throw new StoreError('ERR_STORE_UNAVAILABLE', 'a token store failed', { cause: err });
  }
}

const SERVICE_OPTIONS = {
  keys: true,
  issuer: true,
  audience: true,
  clientId: true,
  accessTtlSec: true,
  refreshIdleSec: true,
  refreshAbsoluteSec: true,
  refreshGraceMs: true,
  clockToleranceSec: true,
  maxTokenLength: true,
  revocationStore: true,
  refreshStore: true,
  revocationFailure: true,
  cache: true,
  context: true,
  events: true,
  clock: true,
} as const satisfies KnownOptions<TokenServiceOptions>;

/**
 * The key set given to a factory, checked: present, and built (a forgotten `await` hands over a
 * Promise; raw key inputs are not imported yet). A raw TypeError at the first request otherwise.
 */
export function checkKeySet(name: string, keys: unknown, builder: string): void {
  if (keys === undefined || keys === null)
    throw new ConfigError(
      `${name}: option "keys" is required: a key set from ${builder}, e.g. keys: await ${builder}({ currentKid: 'k1', keys: [await generateSigningKey('EdDSA', 'k1')] })`,
      { option: 'keys' },
    );
  if (typeof (keys as { then?: unknown }).then === 'function')
    throw new ConfigError(`${name}: keys is a Promise: await ${builder}(...) before passing it`, {
      option: 'keys',
    });
  const set = keys as Partial<VerificationKeySet>;
  if (typeof set.get !== 'function' || !Array.isArray(set.algorithms))
    throw new ConfigError(`${name}: keys must be a key set from ${builder}, got ${describeValue(keys)}`, {
      option: 'keys',
    });
}

export function resolveContext(options: TokenServiceOptions): ServiceContext {
  checkOptions('createTokenService', options, SERVICE_OPTIONS);
  checkKeySet('createTokenService', options?.keys, 'createKeySet');
  const { keys, issuer, audience } = options;
  const events = options.events ?? options.context?.events;
  if (!issuer || !audience) throw new ConfigError('tokens: issuer and audience are required');
  const clientId = options.clientId ?? audience;
  if (typeof clientId !== 'string' || clientId === '')
    throw new ConfigError('tokens: clientId must be a non-empty string');
  const clock = options.clock ?? options.context?.clock ?? systemClock;
  const accessTtlSec = positive('accessTtlSec', options.accessTtlSec ?? DEFAULT_ACCESS_TTL_SEC);
  const refreshIdleMs = positive('refreshIdleSec', options.refreshIdleSec ?? DEFAULT_REFRESH_IDLE_SEC) * 1000;
  const refreshAbsoluteMs =
    positive('refreshAbsoluteSec', options.refreshAbsoluteSec ?? DEFAULT_REFRESH_ABSOLUTE_SEC) * 1000;
  const graceMs = positive('refreshGraceMs', options.refreshGraceMs ?? DEFAULT_REFRESH_GRACE_MS, 0);
  const toleranceSec = toleranceOf(options.clockToleranceSec);
  const maxLength = positive('maxTokenLength', options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH, 64);
  const revocations = options.revocationStore ?? createMemoryRevocationStore({ clock });
  const refreshStore = options.refreshStore ?? createMemoryRefreshTokenStore({ clock });
  const publish = (e: SecurityEventInput) => {
    if (events && events.listenerCount > 0) events.publish(e);
  };
  const verifier = createAccessVerifier({
    resolve: staticResolver(keys),
    algorithms: new Set(keys.algorithms),
    profile: createClaimsProfile({
      types: [ACCESS_TOKEN_TYP],
      issuers: [issuer],
      audiences: [audience],
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
      maxTokenAgeSec: accessTtlSec,
      toleranceSec,
    }),
    maxLength,
    clock,
    revocations,
    failOpen: (options.revocationFailure ?? 'fail-closed') === 'fail-open',
    cacheMax: options.cache === false ? undefined : (options.cache?.max ?? DEFAULT_TOKEN_CACHE_MAX),
    publish,
  });
  return {
    keys,
    issuer,
    audience,
    clientId,
    clock,
    accessTtlSec,
    refreshIdleMs,
    refreshAbsoluteMs,
    graceMs,
    toleranceSec,
    maxLength,
    revocations,
    refreshStore,
    verifier,
    watermarkTtlMs: Math.max(accessTtlSec * 1000, refreshAbsoluteMs) + toleranceSec * 1000,
    sessionTtlMs: (accessTtlSec + toleranceSec) * 1000,
    publish,
  };
}
