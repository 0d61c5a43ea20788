import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessTokenCookie, createTokenExtractor, revokeRequestTokens, TokenError } from '../src/index.js';

describe('createTokenExtractor', () => {
  it('reads Authorization: Bearer, whatever the case of the scheme', () => {
    const extract = createTokenExtractor();
    expect(extract({ authorization: 'Bearer abc.def.ghi' })).toBe('abc.def.ghi');
    expect(extract({ authorization: 'bearer abc.def.ghi' })).toBe('abc.def.ghi');
    expect(extract(new Headers({ authorization: 'BEARER abc.def.ghi' }))).toBe('abc.def.ghi');
  });

  it('ignores other schemes and absent headers', () => {
    const extract = createTokenExtractor();
    expect(extract({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(extract({})).toBeUndefined();
  });

  it('refuses a Bearer credential outside the RFC 6750 b64token grammar', () => {
    const extract = createTokenExtractor();
    expect(() => extract({ authorization: 'Bearer a b' })).toThrow(TokenError);
    expect(() => extract({ authorization: 'Bearer <script>' })).toThrow(TokenError);
  });

  it('reads the __Host- cookie only when configured and only without an Authorization header', () => {
    expect(createTokenExtractor()({ cookie: '__Host-at=abc.def.ghi' })).toBeUndefined();
    const extract = createTokenExtractor({ cookie: '__Host-at' });
    expect(extract({ cookie: 'theme=dark; __Host-at=abc.def.ghi' })).toBe('abc.def.ghi');
    expect(extract({ cookie: 'at=abc.def.ghi' })).toBeUndefined();
    expect(extract({ cookie: '__Host-at=x.y.z', authorization: 'Bearer a.b.c' })).toBe('a.b.c');
  });

  it('refuses a cookie name without the __Host- prefix at start-up', () => {
    expect(() => createTokenExtractor({ cookie: 'access' })).toThrow(/__Host-/);
  });

  it('never throws anything but a TokenError on hostile headers (fuzz)', () => {
    const extract = createTokenExtractor({ cookie: '__Host-at' });
    fc.assert(
      fc.property(fc.string(), fc.string(), (auth, cookie) => {
        try {
          const v = extract({ authorization: auth, cookie });
          expect(v === undefined || typeof v === 'string').toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(TokenError);
        }
      }),
    );
  });
});

describe('accessTokenCookie', () => {
  it('sets Secure, HttpOnly, SameSite=Strict and Path=/', () => {
    expect(accessTokenCookie('__Host-at', 'a.b.c', 900)).toBe(
      '__Host-at=a.b.c; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict',
    );
  });
});

describe('revokeRequestTokens', () => {
  const recorder = () => {
    const revoked: string[] = [];
    return { revoked, tokens: { revoke: async (t: string) => void revoked.push(t) } };
  };

  it('revokes the body token (RFC 7009 name first) and the Bearer token', async () => {
    const { revoked, tokens } = recorder();
    await revokeRequestTokens(
      tokens,
      { body: { token: 'a.b', refresh_token: 'c.d' }, headers: { authorization: 'Bearer eyJ.x.y' } },
      createTokenExtractor(),
    );
    expect(revoked).toEqual(['a.b', 'eyJ.x.y']);
  });

  it('falls back to refresh_token and ignores a malformed Authorization header', async () => {
    const { revoked, tokens } = recorder();
    await revokeRequestTokens(
      tokens,
      { body: { refresh_token: 'c.d' }, headers: { authorization: 'Bearer not a b64token!' } },
      createTokenExtractor(),
    );
    expect(revoked).toEqual(['c.d']);
  });

  it('lets a store failure reject instead of pretending the logout worked', async () => {
    const tokens = { revoke: async () => Promise.reject(new Error('store down')) };
    await expect(
      revokeRequestTokens(tokens, { body: { token: 'a.b' }, headers: {} }, createTokenExtractor()),
    ).rejects.toThrow('store down');
  });
});
