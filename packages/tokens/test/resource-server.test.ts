/**
 * Resource-server mode: tokens the app did not issue (an identity provider's RS256/ES256 tokens,
 * a jsonwebtoken HS256 token), verified without any signing key.
 */
import { createEventBus, createManualClock, type SecurityEvent, StoreError } from '@portcullis/core';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeySet,
  createTokenVerifier,
  createVerificationKeySet,
  TokenError,
  type TokenVerifierOptions,
} from '../src/index.js';
import { codeOf } from './helpers.js';
import { type IdpKey, idpKey, idpToken, type JwksServer, startJwksServer } from './jwks-server.js';

const ISS = 'https://sso.example/realms/acme';
const AUD = 'orders-api';
const base = { sub: 'user-1', iss: ISS, aud: AUD, client_id: 'web', scope: 'orders:read' };

const reasonOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TokenError)) throw new Error(`expected a TokenError, got ${String(err)}`);
  return [err.code, err.reason];
};

describe('createTokenVerifier with static public keys', () => {
  let rs: IdpKey;
  let es: IdpKey;
  const make = async (over: Partial<TokenVerifierOptions> = {}) =>
    createTokenVerifier({
      keys: await createVerificationKeySet({
        keys: [
          { kid: rs.kid, alg: 'RS256', publicKey: rs.jwk },
          { kid: es.kid, alg: 'ES256', publicKey: es.jwk },
        ],
      }),
      issuer: ISS,
      audience: AUD,
      ...over,
    });
  beforeAll(() => {
    rs = idpKey('rs-1', 'RS256');
    es = idpKey('es-1', 'ES256');
  });

  it('accepts an RS256 and an ES256 at+jwt token with no private key and no iat_ms claim', async () => {
    const v = await make();
    expect(await v.verify(await idpToken(rs, base))).toMatchObject({ sub: 'user-1', client_id: 'web' });
    expect((await v.verify(await idpToken(es, base))).scope).toBe('orders:read');
  });

  it('refuses typ "JWT" by default (RFC 9068 at+jwt) with reason ERR_TOKEN_TYPE, and accepts it when opted in', async () => {
    const token = await idpToken(rs, base, { typ: 'JWT' });
    expect(await reasonOf((await make()).verify(token))).toEqual(['ERR_TOKEN_INVALID', 'ERR_TOKEN_TYPE']);
    expect((await (await make({ typ: ['at+jwt', 'JWT'] })).verify(token)).sub).toBe('user-1');
    const untyped = await idpToken(rs, base, {});
    expect(await reasonOf((await make({ typ: ['JWT'] })).verify(untyped))).toEqual([
      'ERR_TOKEN_INVALID',
      'ERR_TOKEN_TYPE',
    ]);
    expect((await (await make({ typOptional: true })).verify(untyped)).sub).toBe('user-1');
  });

  it('gives each refusal a reason for logs while the client sees one generic ERR_TOKEN_INVALID', async () => {
    const v = await make();
    const other = idpKey('rs-1', 'RS256');
    const cases: [Promise<string>, string][] = [
      [idpToken(other, base), 'ERR_TOKEN_SIGNATURE'],
      [idpToken(rs, { ...base, iss: 'https://evil.example' }), 'ERR_TOKEN_ISSUER'],
      [idpToken(rs, { ...base, aud: 'billing-api' }), 'ERR_TOKEN_AUDIENCE'],
      [idpToken(idpKey('rs-9', 'RS256'), base), 'ERR_TOKEN_KEY'],
      [idpToken(rs, base, { typ: 'at+jwt', jku: 'https://evil.example/jwks' }), 'ERR_TOKEN_HEADER'],
      [idpToken(rs, { ...base, sub: undefined }), 'ERR_TOKEN_CLAIMS'],
      [idpToken(rs, { ...base, nbf: Math.floor(Date.now() / 1000) + 3600 }), 'ERR_TOKEN_NOT_YET_VALID'],
    ];
    for (const [token, reason] of cases) {
      const err = (await v.verify(await token).catch((e: unknown) => e)) as TokenError;
      expect([reason, err.code, err.reason]).toEqual([reason, 'ERR_TOKEN_INVALID', reason]);
      expect(JSON.stringify(err.toProblem())).not.toContain(reason);
      expect(err.toProblem().detail).toBe('the token failed verification');
    }
  });

  it('publishes the reason on authn_token_invalid', async () => {
    const events = createEventBus();
    const log: SecurityEvent[] = [];
    events.subscribe((e) => {
      log.push(e);
    });
    const v = await make({ events });
    await v.verify(await idpToken(rs, { ...base, aud: 'billing-api' })).catch(() => undefined);
    expect(log.map((e) => [e.name, e.reason])).toEqual([['authn_token_invalid', 'ERR_TOKEN_AUDIENCE']]);
  });

  it('accepts any of several issuers and audiences, and requires the claims it is told to', async () => {
    const v = await make({ issuer: ['https://other.example', ISS], audience: ['a', AUD] });
    expect((await v.verify(await idpToken(rs, { ...base, aud: ['x', AUD] }))).sub).toBe('user-1');
    const strict = await make({ requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'] });
    const { client_id: _c, ...noClient } = base;
    expect(await reasonOf(strict.verify(await idpToken(rs, noClient)))).toEqual([
      'ERR_TOKEN_INVALID',
      'ERR_TOKEN_CLAIMS',
    ]);
    expect((await (await make()).verify(await idpToken(rs, noClient))).sub).toBe('user-1');
  });

  it('applies the clock tolerance on exp', async () => {
    const clock = createManualClock(Date.now());
    const v = await make({ clock, clockToleranceSec: 10 });
    const token = await idpToken(rs, base);
    clock.advance(305_000);
    expect((await v.verify(token)).sub).toBe('user-1');
    clock.advance(10_000);
    expect(await codeOf(v.verify(token))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('verifies a jsonwebtoken HS256 token (typ JWT, no jti, no iat_ms) with the shared secret', async () => {
    const secret = Buffer.alloc(32, 5);
    const token = jsonwebtoken.sign({ sub: 'svc-1' }, secret, {
      algorithm: 'HS256',
      issuer: ISS,
      audience: AUD,
      expiresIn: 300,
      keyid: 'hs-1',
    });
    const v = createTokenVerifier({
      keys: await createVerificationKeySet({
        keys: [{ kid: 'hs-1', alg: 'HS256', secret: new Uint8Array(secret) }],
      }),
      issuer: ISS,
      audience: AUD,
      typ: ['JWT'],
    });
    expect((await v.verify(token)).sub).toBe('svc-1');
  });

  it('revokes foreign tokens by jti, by hash without one, and by subject watermark (iat seconds)', async () => {
    const clock = createManualClock(Date.now());
    const v = await make({ clock });
    const a = await idpToken(rs, base);
    const b = await idpToken(rs, base);
    await v.revoke(a);
    expect(await codeOf(v.verify(a))).toBe('ERR_TOKEN_REVOKED');
    expect((await v.verify(b)).sub).toBe('user-1');
    const noJti1 = await idpToken(rs, { ...base, jti: undefined, n: 1 });
    const noJti2 = await idpToken(rs, { ...base, jti: undefined, n: 2 });
    await v.revoke(noJti1);
    expect(await codeOf(v.verify(noJti1))).toBe('ERR_TOKEN_REVOKED');
    expect((await v.verify(noJti2)).sub).toBe('user-1');
    clock.advance(2000);
    await v.revokeAll('user-1');
    expect(await codeOf(v.verify(b))).toBe('ERR_TOKEN_REVOKED');
    await v.revoke('garbage');
  });

  it('refuses a configuration that cannot work, naming the fix', async () => {
    const keys = await createVerificationKeySet({ keys: [{ kid: rs.kid, alg: 'RS256', publicKey: rs.jwk }] });
    expect(() => createTokenVerifier({ issuer: ISS, audience: AUD })).toThrow(/exactly one of keys/);
    expect(() =>
      createTokenVerifier({ keys, jwks: { url: 'https://x.example' }, issuer: ISS, audience: AUD }),
    ).toThrow(/exactly one of keys/);
    expect(() =>
      createTokenVerifier({ jwks: { url: 'http://sso.example/certs' }, issuer: ISS, audience: AUD }),
    ).toThrow(/https/);
    expect(() =>
      createTokenVerifier({
        jwks: { url: 'https://sso.example/certs' },
        algorithms: ['HS256'],
        issuer: ISS,
        audience: AUD,
      }),
    ).toThrow(/HS256/);
    expect(() => createTokenVerifier({ keys, issuer: [], audience: AUD })).toThrow(/issuer/);
    await expect(
      createKeySet({ currentKid: rs.kid, keys: [{ kid: rs.kid, alg: 'RS256', publicKey: rs.jwk }] }),
    ).rejects.toThrow(/createVerificationKeySet/);
  });
});

describe('createTokenVerifier with a remote JWKS on loopback', () => {
  let server: JwksServer;
  let k1: IdpKey;
  let e1: IdpKey;
  beforeAll(async () => {
    k1 = idpKey('k1', 'RS256');
    e1 = idpKey('e1', 'ES256');
    server = await startJwksServer([k1, e1]);
  });
  afterAll(() => server.close());

  it('fetches the set once, then verifies from the cache', async () => {
    const v = createTokenVerifier({ jwks: { url: server.url }, issuer: ISS, audience: AUD });
    const before = server.fetches;
    for (let i = 0; i < 5; i++) {
      expect((await v.verify(await idpToken(k1, base))).sub).toBe('user-1');
      expect((await v.verify(await idpToken(e1, base))).sub).toBe('user-1');
    }
    expect(server.fetches - before).toBe(1);
  });

  it('refuses a token whose kid the provider does not publish, refetching at most once per cooldown', async () => {
    const v = createTokenVerifier({ jwks: { url: server.url }, issuer: ISS, audience: AUD });
    await v.verify(await idpToken(k1, base));
    const before = server.fetches;
    const stranger = idpKey('k-unknown', 'RS256');
    for (let i = 0; i < 3; i++)
      expect(await reasonOf(v.verify(await idpToken(stranger, base)))).toEqual([
        'ERR_TOKEN_INVALID',
        'ERR_TOKEN_KEY',
      ]);
    // jose refetches once for the first unknown kid only if the cooldown (30 s) has passed: it has not.
    expect(server.fetches - before).toBe(0);
  });

  it('fails with a 503 StoreError within the timeout when the provider hangs', async () => {
    const v = createTokenVerifier({ jwks: { url: server.url, timeoutMs: 300 }, issuer: ISS, audience: AUD });
    server.hang(true);
    try {
      const started = Date.now();
      const err = (await v.verify(await idpToken(k1, base)).catch((e: unknown) => e)) as StoreError;
      expect(err).toBeInstanceOf(StoreError);
      expect([err.code, err.status]).toEqual(['ERR_STORE_TIMEOUT', 503]);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      server.hang(false);
    }
  });

  it('fails with a 503 StoreError at once when nothing listens', async () => {
    const v = createTokenVerifier({ jwks: { url: 'http://127.0.0.1:9/certs' }, issuer: ISS, audience: AUD });
    const err = (await v.verify(await idpToken(k1, base)).catch((e: unknown) => e)) as StoreError;
    expect([err.code, err.status]).toEqual(['ERR_STORE_UNAVAILABLE', 503]);
  });
});
