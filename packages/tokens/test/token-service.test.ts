import { type RevocationStore, StoreError } from '@portcullis/core';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { createKeySet, createTokenService, generateSigningKey, TokenError } from '../src/index.js';
import { AUDIENCE, codeOf, ISSUER, setup } from './helpers.js';

describe('createTokenService: issuing', () => {
  it('signs an at+jwt with EdDSA by default carrying iss, aud, sub, exp, iat, jti and a 1 h lifetime', async () => {
    const { tokens, nowSec } = await setup();
    const pair = await tokens.issue({ subject: 'user-1', claims: { role: 'admin' } });
    expect(decodeProtectedHeader(pair.access_token)).toEqual({ alg: 'EdDSA', kid: 'ed1', typ: 'at+jwt' });
    const c = decodeJwt(pair.access_token);
    expect(c).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'user-1',
      iat: nowSec(),
      exp: nowSec() + 3600,
      role: 'admin',
    });
    expect(typeof c.jti).toBe('string');
    expect(pair).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(pair.refresh_token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  });

  it('refuses extra claims that would override registered ones', async () => {
    const { tokens } = await setup();
    await expect(tokens.issue({ subject: 'u', claims: { exp: 9e9 } })).rejects.toThrow(/exp/);
  });

  it('publishes authn_token_created with the user id and never the token', async () => {
    const { tokens, log } = await setup();
    const pair = await tokens.issue({ subject: 'user-1' });
    expect(log.map((e) => e.name)).toEqual(['authn_token_created']);
    expect(log[0]?.userId).toBe('user-1');
    expect(JSON.stringify(log)).not.toContain(pair.refresh_token);
    expect(JSON.stringify(log)).not.toContain(pair.access_token);
  });

  it('issues a lone access token without a session id, revocable like any other', async () => {
    const { tokens } = await setup();
    const { access_token, expires_in } = await tokens.issueAccessToken({ subject: 'svc' });
    expect(expires_in).toBe(3600);
    expect(decodeJwt(access_token).sid).toBeUndefined();
    expect((await tokens.verify(access_token)).sub).toBe('svc');
    await tokens.revoke(access_token);
    expect(await codeOf(tokens.verify(access_token))).toBe('ERR_TOKEN_REVOKED');
  });

  for (const alg of ['EdDSA', 'ES256', 'RS256', 'HS256'] as const) {
    it(`issues and verifies with ${alg}`, async () => {
      const keys = await createKeySet({ currentKid: 'k', keys: [await generateSigningKey(alg, 'k')] });
      const tokens = createTokenService({ keys, issuer: ISSUER, audience: AUDIENCE });
      const pair = await tokens.issue({ subject: 'u' });
      expect(decodeProtectedHeader(pair.access_token).alg).toBe(alg);
      expect((await tokens.verify(pair.access_token)).sub).toBe('u');
    });
  }
});

describe('createTokenService: verifying', () => {
  it('accepts a token within the clock tolerance past exp and refuses it beyond', async () => {
    const { tokens, clock } = await setup({ accessTtlSec: 900 });
    const { access_token } = await tokens.issue({ subject: 'u' });
    clock.advance(900_000 + 29_000);
    expect((await tokens.verify(access_token)).sub).toBe('u');
    clock.advance(2000);
    expect(await codeOf(tokens.verify(access_token))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('answers 401 with WWW-Authenticate: Bearer error="invalid_token" and never echoes the token', async () => {
    const { tokens, clock } = await setup();
    const { access_token } = await tokens.issue({ subject: 'u' });
    clock.advance(4 * 3600_000);
    const err = (await tokens.verify(access_token).catch((e: unknown) => e)) as TokenError;
    expect(err).toBeInstanceOf(TokenError);
    expect(err.status).toBe(401);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token"');
    expect(err.message).not.toContain(access_token.slice(20, 60));
    expect(JSON.stringify(err.toProblem())).not.toContain(access_token.slice(20, 60));
  });

  it('keeps verifying tokens of an older key after the signing key rotates (by kid)', async () => {
    const a = await setup({ current: 'ed1' });
    const old = await a.tokens.issue({ subject: 'u' });
    const rotated = createTokenService({
      keys: await createKeySet({
        currentKid: 'ec1',
        keys: [
          { kid: 'ed1', alg: 'EdDSA', publicKey: a.keys.get('ed1')!.key },
          {
            kid: 'ec1',
            alg: 'ES256',
            publicKey: a.keys.get('ec1')!.key,
            privateKey: a.ec.privateKey.export({ format: 'jwk' }) as never,
          },
        ],
      }),
      issuer: ISSUER,
      audience: AUDIENCE,
      clock: a.clock,
    });
    expect((await rotated.verify(old.access_token)).sub).toBe('u');
    const fresh = await rotated.issue({ subject: 'v' });
    expect(decodeProtectedHeader(fresh.access_token).kid).toBe('ec1');
  });

  it('fails closed with a 503 StoreError when the revocation store is down (default policy)', async () => {
    const down: RevocationStore = {
      revokeToken: async () => true,
      revokeSubject: async () => {},
      revokeSession: async () => true,
      isRevoked: async () => {
        throw new StoreError('ERR_STORE_UNAVAILABLE', 'down');
      },
      subjectWatermark: async () => 0,
    };
    const { tokens, log } = await setup({ revocationStore: down });
    const { access_token } = await tokens.issue({ subject: 'u' });
    const err = (await tokens.verify(access_token).catch((e: unknown) => e)) as StoreError;
    expect(err).toBeInstanceOf(StoreError);
    expect(err.status).toBe(503);
    expect(log.some((e) => e.name === 'sys_store_unavailable')).toBe(true);
  });

  it('accepts a signed token when the store is down only under the named fail-open policy', async () => {
    const down: RevocationStore = {
      revokeToken: async () => true,
      revokeSubject: async () => {},
      revokeSession: async () => true,
      isRevoked: () => Promise.reject(new Error('ECONNREFUSED')),
      subjectWatermark: async () => 0,
    };
    const { tokens } = await setup({ revocationStore: down, revocationFailure: 'fail-open' });
    const { access_token } = await tokens.issue({ subject: 'u' });
    expect((await tokens.verify(access_token)).sub).toBe('u');
  });
});

describe('createTokenService: verified-token cache', () => {
  it('is on by default, hands out frozen claims, and is off with cache: false', async () => {
    const { tokens } = await setup();
    const { access_token } = await tokens.issue({ subject: 'u', claims: { roles: ['a'] } });
    const first = await tokens.verify(access_token);
    const second = await tokens.verify(access_token);
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.roles)).toBe(true);
    const { tokens: uncached } = await setup({ cache: false });
    const t = (await uncached.issue({ subject: 'u' })).access_token;
    expect(await uncached.verify(t)).not.toBe(await uncached.verify(t));
  });

  it('still runs the revocation check on a cache hit', async () => {
    const { tokens } = await setup({ cache: { max: 100 } });
    const { access_token } = await tokens.issue({ subject: 'u' });
    await tokens.verify(access_token);
    await tokens.verify(access_token);
    await tokens.revoke(access_token);
    expect(await codeOf(tokens.verify(access_token))).toBe('ERR_TOKEN_REVOKED');
  });

  it('drops the entry no later than the token expires', async () => {
    const { tokens, clock } = await setup({ cache: { max: 100 }, accessTtlSec: 60, clockToleranceSec: 0 });
    const { access_token } = await tokens.issue({ subject: 'u' });
    await tokens.verify(access_token);
    clock.advance(60_001);
    expect(await codeOf(tokens.verify(access_token))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('sees a logout-everywhere on a cached token', async () => {
    const { tokens, clock } = await setup({ cache: { max: 100 } });
    const { access_token } = await tokens.issue({ subject: 'u' });
    await tokens.verify(access_token);
    clock.advance(1);
    await tokens.revokeAll('u');
    expect(await codeOf(tokens.verify(access_token))).toBe('ERR_TOKEN_REVOKED');
  });
});

describe('createTokenService: refresh rotation', () => {
  it('rotates: a new pair, the new refresh token works, claims are carried over', async () => {
    const { tokens, clock, log } = await setup();
    const first = await tokens.issue({ subject: 'u', claims: { role: 'admin' } });
    clock.advance(10_000);
    const second = await tokens.refresh(first.refresh_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await tokens.verify(second.access_token)).toMatchObject({ sub: 'u', role: 'admin' });
    clock.advance(10_000);
    const third = await tokens.refresh(second.refresh_token);
    expect(third.refresh_token).not.toBe(second.refresh_token);
    expect(log.filter((e) => e.name === 'authn_token_refreshed')).toHaveLength(2);
  });

  it('returns the very same pair to a retry inside the grace window', async () => {
    const { tokens, clock } = await setup({ refreshGraceMs: 5000 });
    const first = await tokens.issue({ subject: 'u' });
    const a = await tokens.refresh(first.refresh_token);
    clock.advance(5000);
    const b = await tokens.refresh(first.refresh_token);
    expect(b).toEqual(a);
  });

  it('revokes the whole family and publishes authn_token_reuse when a spent token returns after the window', async () => {
    const { tokens, clock, log } = await setup({ refreshGraceMs: 5000 });
    const first = await tokens.issue({ subject: 'u' });
    const second = await tokens.refresh(first.refresh_token);
    clock.advance(5001);
    expect(await codeOf(tokens.refresh(first.refresh_token))).toBe('ERR_TOKEN_REUSED');
    expect(await codeOf(tokens.refresh(second.refresh_token))).toBe('ERR_TOKEN_REVOKED');
    const reuse = log.find((e) => e.name === 'authn_token_reuse');
    expect(reuse).toMatchObject({ userId: 'u', level: 'critical' });
  });

  it('refuses a refresh token past its idle lifetime', async () => {
    const { tokens, clock } = await setup({ refreshIdleSec: 3600 });
    const first = await tokens.issue({ subject: 'u' });
    clock.advance(3600_000);
    expect(await codeOf(tokens.refresh(first.refresh_token))).toBe('ERR_TOKEN_INVALID');
  });

  it('never extends a family past its absolute lifetime', async () => {
    const { tokens, clock } = await setup({ refreshIdleSec: 3600, refreshAbsoluteSec: 7200 });
    let pair = await tokens.issue({ subject: 'u' });
    for (let i = 0; i < 3; i++) {
      clock.advance(3000_000);
      if (i < 2) pair = await tokens.refresh(pair.refresh_token);
    }
    expect(await codeOf(tokens.refresh(pair.refresh_token))).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses a refresh token whose verifier is wrong, without harming the real one', async () => {
    const { tokens } = await setup();
    const pair = await tokens.issue({ subject: 'u' });
    const [selector] = pair.refresh_token.split('.');
    const forged = `${selector}.${'A'.repeat(43)}`;
    expect(await codeOf(tokens.refresh(forged))).toBe('ERR_TOKEN_INVALID');
    expect((await tokens.refresh(pair.refresh_token)).token_type).toBe('Bearer');
  });

  it('fails closed when the refresh store is down', async () => {
    const { tokens, refreshStore } = await setup();
    const pair = await tokens.issue({ subject: 'u' });
    refreshStore.find = async () => {
      throw new StoreError('ERR_STORE_UNAVAILABLE', 'down');
    };
    const err = await tokens.refresh(pair.refresh_token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
  });
});

describe('createTokenService: revocation', () => {
  it('revokes one access token by (iss, jti) and leaves the others alone', async () => {
    const { tokens, log } = await setup();
    const a = await tokens.issue({ subject: 'u' });
    const b = await tokens.issue({ subject: 'u' });
    await tokens.revoke(a.access_token);
    expect(await codeOf(tokens.verify(a.access_token))).toBe('ERR_TOKEN_REVOKED');
    expect((await tokens.verify(b.access_token)).sub).toBe('u');
    expect(log.some((e) => e.name === 'authn_token_revoked')).toBe(true);
  });

  it('logout with an access token also ends its refresh family', async () => {
    const { tokens } = await setup();
    const a = await tokens.issue({ subject: 'u' });
    await tokens.revoke(a.access_token);
    expect(await codeOf(tokens.refresh(a.refresh_token))).toBe('ERR_TOKEN_REVOKED');
  });

  it('logout with a refresh token ends the family', async () => {
    const { tokens } = await setup();
    const a = await tokens.issue({ subject: 'u' });
    await tokens.revoke(a.refresh_token);
    expect(await codeOf(tokens.refresh(a.refresh_token))).toBe('ERR_TOKEN_REVOKED');
  });

  it('answers the same for unknown, garbage and already revoked tokens (RFC 7009 section 2.2)', async () => {
    const { tokens } = await setup();
    const a = await tokens.issue({ subject: 'u' });
    await expect(tokens.revoke(a.access_token)).resolves.toBeUndefined();
    await expect(tokens.revoke(a.access_token)).resolves.toBeUndefined();
    await expect(tokens.revoke('garbage')).resolves.toBeUndefined();
    await expect(tokens.revoke(`${'a'.repeat(22)}.${'b'.repeat(43)}`)).resolves.toBeUndefined();
    await expect(tokens.revoke('x'.repeat(1_000_000))).resolves.toBeUndefined();
  });

  it('logout-everywhere revokes every token of the user issued in the same millisecond, and not later ones', async () => {
    const { tokens, clock, log } = await setup();
    const a = await tokens.issue({ subject: 'u' });
    const other = await tokens.issue({ subject: 'someone-else' });
    await tokens.revokeAll('u');
    expect(await codeOf(tokens.verify(a.access_token))).toBe('ERR_TOKEN_REVOKED');
    expect(await codeOf(tokens.refresh(a.refresh_token))).toBe('ERR_TOKEN_REVOKED');
    expect((await tokens.verify(other.access_token)).sub).toBe('someone-else');
    clock.advance(1);
    const b = await tokens.issue({ subject: 'u' });
    expect((await tokens.verify(b.access_token)).sub).toBe('u');
    expect(log.some((e) => e.name === 'authn_token_revoked_all' && e.userId === 'u')).toBe(true);
  });

  it('logout-everywhere covers a token issued earlier in the same second', async () => {
    const { tokens, clock } = await setup();
    clock.set(Date.UTC(2026, 5, 1, 0, 0, 0, 100));
    const a = await tokens.issue({ subject: 'u' });
    clock.set(Date.UTC(2026, 5, 1, 0, 0, 0, 900));
    await tokens.revokeAll('u');
    clock.set(Date.UTC(2026, 5, 1, 0, 0, 0, 950));
    const b = await tokens.issue({ subject: 'u' });
    expect(await codeOf(tokens.verify(a.access_token))).toBe('ERR_TOKEN_REVOKED');
    expect((await tokens.verify(b.access_token)).sub).toBe('u');
  });
});

describe('createKeySet', () => {
  it('exports only public keys in the JWKS, never a private part or an HMAC secret', async () => {
    const keys = await createKeySet({
      currentKid: 'a',
      keys: [
        await generateSigningKey('EdDSA', 'a'),
        await generateSigningKey('RS256', 'b'),
        await generateSigningKey('HS256', 'h'),
      ],
    });
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual(['a', 'b']);
    for (const k of keys.jwks.keys) {
      expect(k).not.toHaveProperty('d');
      expect(k).not.toHaveProperty('k');
      expect(k.use).toBe('sig');
    }
  });

  it('refuses an HS256 secret shorter than 256 bits', async () => {
    await expect(
      createKeySet({ currentKid: 'h', keys: [{ kid: 'h', alg: 'HS256', secret: new Uint8Array(31) }] }),
    ).rejects.toThrow(/32 bytes/);
  });

  it('refuses a current kid without a private key', async () => {
    const k = await generateSigningKey('EdDSA', 'a');
    if (k.alg === 'HS256') throw new Error('unreachable');
    await expect(
      createKeySet({ currentKid: 'a', keys: [{ kid: 'a', alg: 'EdDSA', publicKey: k.publicKey }] }),
    ).rejects.toThrow(/privateKey/);
  });
});
