/**
 * Keys of an identity provider fetched from its JWKS URL through jose's remote key set (cache,
 * refetch on an unknown `kid` at most once per cooldown, fetch timeout). An unreachable or slow
 * provider is a `StoreError` (503 with `Retry-After`), never a hang and never a 500.
 */
import type { KeyObject } from 'node:crypto';
import { ConfigError, checkOptions, type KnownOptions, StoreError } from '@portcullis/core';
import { type CryptoKey, createRemoteJWKSet, type JWSHeaderParameters } from 'jose';
import { DEFAULT_JWKS_COOLDOWN_MS, DEFAULT_JWKS_MAX_AGE_MS, DEFAULT_JWKS_TIMEOUT_MS } from './defaults.js';
import { TokenError, tokenError } from './errors.js';
import { screenHeader } from './jws.js';
import { nodeKeyFor, type TokenAlgorithm } from './keys.js';
import type { KeyResolver } from './verifier.js';

/** Options of a remote key set. */
export interface RemoteKeySetOptions {
  /** The provider's JWKS URL (`jwks_uri` of its discovery document), https outside loopback. */
  url: string | URL;
  /** A fetch slower than this fails with `ERR_STORE_TIMEOUT` (503). Default 2000 ms. */
  timeoutMs?: number | undefined;
  /** An unknown `kid` refetches the set at most once per this many ms. Default 30 000. */
  cooldownMs?: number | undefined;
  /** The set is refetched when older than this. Default 600 000 (10 min). */
  maxAgeMs?: number | undefined;
  /** Extra request headers (an API key some gateways want). */
  headers?: Record<string, string> | undefined;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function duration(name: string, v: number | undefined, fallback: number): number {
  const value = v ?? fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(`tokens: jwks.${name} must be an integer >= 0`);
  return value;
}

/** Builds the key resolver of a remote JWKS; `algorithms` are the only ones its keys may serve. */
export function remoteResolver(options: RemoteKeySetOptions): KeyResolver {
  checkOptions('createTokenVerifier: jwks', options, {
    url: true,
    timeoutMs: true,
    cooldownMs: true,
    maxAgeMs: true,
    headers: true,
  } satisfies KnownOptions<RemoteKeySetOptions>);
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (cause) {
    throw new ConfigError('tokens: jwks.url is not a valid URL', { cause });
  }
  // Keys fetched in clear text could be swapped on the way (RFC 8725 section 3.10).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    throw new ConfigError('tokens: jwks.url must be https (http only on loopback)');
  const timeoutMs = duration('timeoutMs', options.timeoutMs, DEFAULT_JWKS_TIMEOUT_MS);
  const jwks = createRemoteJWKSet(url, {
    timeoutDuration: timeoutMs,
    cooldownDuration: duration('cooldownMs', options.cooldownMs, DEFAULT_JWKS_COOLDOWN_MS),
    cacheMaxAge: duration('maxAgeMs', options.maxAgeMs, DEFAULT_JWKS_MAX_AGE_MS),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
  // jose hands back the same CryptoKey for a JWK until the set changes: convert each once.
  const nodeKeys = new WeakMap<CryptoKey, KeyObject>();
  const toNode = (key: CryptoKey, alg: TokenAlgorithm): KeyObject => {
    let nodeKey = nodeKeys.get(key);
    if (nodeKey === undefined) {
      try {
        nodeKey = nodeKeyFor(key, alg, 'remote');
      } catch (cause) {
        throw tokenError('ERR_TOKEN_KEY', cause);
      }
      nodeKeys.set(key, nodeKey);
    }
    return nodeKey;
  };
  return async (jws) => {
    screenHeader(jws.header);
    const alg = jws.alg as TokenAlgorithm;
    let key: CryptoKey;
    try {
      key = (await jwks(jws.header as JWSHeaderParameters)) as CryptoKey;
    } catch (err) {
      throw remoteFailure(err, timeoutMs);
    }
    return { alg, key: toNode(key, alg) };
  };
}

/** What a remote key-set failure means for the request: 401 for the token, 503 for the provider. */
function remoteFailure(err: unknown, timeoutMs: number): Error {
  if (err instanceof TokenError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (
    code === 'ERR_JWKS_NO_MATCHING_KEY' ||
    code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' ||
    code === 'ERR_JOSE_NOT_SUPPORTED'
  )
    return tokenError('ERR_TOKEN_KEY', err);
  if (code === 'ERR_JWKS_TIMEOUT')
    return new StoreError(
      'ERR_STORE_TIMEOUT',
      `the identity provider's JWKS did not answer within ${timeoutMs} ms`,
      {
        cause: err,
      },
    );
  return new StoreError('ERR_STORE_UNAVAILABLE', "the identity provider's JWKS could not be fetched", {
    cause: err,
  });
}
