import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createEventBus, createManualClock, type SecurityEvent } from '@portcullis/core';
import type { JWK } from 'jose';
import {
  createKeySet,
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  createTokenService,
  type TokenServiceOptions,
} from '../src/index.js';

export const ISSUER = 'https://auth.example';
export const AUDIENCE = 'api';

/** Ed25519 and P-256 key pairs as node KeyObjects, so tests can forge tokens by hand. */
export function nodeKeys() {
  const ed = generateKeyPairSync('ed25519');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ed, ec };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Builds a compact JWS by hand, signed by `signer` (or not at all). */
export function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown> | string,
  signer: ((input: Buffer) => Buffer) | 'none',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = signer === 'none' ? '' : signer(Buffer.from(input)).toString('base64url');
  return `${input}.${sig}`;
}

export const edSigner = (key: KeyObject) => (input: Buffer) => sign(null, input, key);
export const esSigner = (key: KeyObject) => (input: Buffer) =>
  sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
export const hsSigner = (secret: Buffer | string) => (input: Buffer) =>
  createHmac('sha256', secret).update(input).digest();

/** A token service on an Ed25519 key (kid "ed1") and an ES256 key (kid "ec1"), manual clock, event log. */
export async function setup(over: Partial<TokenServiceOptions> & { current?: 'ed1' | 'ec1' } = {}) {
  const { ed, ec } = nodeKeys();
  const keys = await createKeySet({
    currentKid: over.current ?? 'ed1',
    keys: [
      {
        kid: 'ed1',
        alg: 'EdDSA',
        privateKey: ed.privateKey.export({ format: 'jwk' }) as JWK,
        publicKey: ed.publicKey.export({ format: 'jwk' }) as JWK,
      },
      {
        kid: 'ec1',
        alg: 'ES256',
        privateKey: ec.privateKey.export({ format: 'jwk' }) as JWK,
        publicKey: ec.publicKey.export({ format: 'jwk' }) as JWK,
      },
    ],
  });
  const clock = createManualClock(Date.UTC(2026, 5, 1));
  const events = createEventBus({ clock });
  const log: SecurityEvent[] = [];
  events.subscribe((e) => {
    log.push(e);
  });
  const revocationStore = over.revocationStore ?? createMemoryRevocationStore({ clock, warn: false });
  const refreshStore = over.refreshStore ?? createMemoryRefreshTokenStore({ clock, warn: false });
  const { current: _c, ...rest } = over;
  const tokens = createTokenService({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    clock,
    events,
    revocationStore,
    refreshStore,
    ...rest,
  });
  const nowSec = () => Math.floor(clock.now() / 1000);
  /** Claims a genuine token would carry, for forging variants of it. */
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: nowSec(),
    exp: nowSec() + 600,
    jti: `jti-${Math.random()}`,
    iat_ms: clock.now(),
    ...extra,
  });
  return { tokens, keys, clock, events, log, ed, ec, claims, nowSec, revocationStore, refreshStore };
}

/** Rejection code of a promise (fails the test when it resolves). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? `non-coded ${String(err)}`;
  }
  throw new Error('expected a rejection, got a resolved promise');
}
