/**
 * RFC 9068 (JWT profile for OAuth 2.0 access tokens), checked claim by claim on issued tokens.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, setup } from './helpers.js';

describe('RFC 9068 access-token profile of issued tokens', () => {
  const issued = async (over: Parameters<typeof setup>[0] = {}) => {
    const ctx = await setup(over);
    const pair = await ctx.tokens.issue({ subject: 'user-1', claims: { scope: 'read' } });
    return { ...ctx, pair, claims: decodeJwt(pair.access_token) };
  };

  it('2.1: the header says typ "at+jwt" and never alg "none"', async () => {
    const { pair } = await issued();
    const header = decodeProtectedHeader(pair.access_token);
    expect(header.typ).toBe('at+jwt');
    expect(header.alg).not.toBe('none');
  });

  it('2.2 iss (REQUIRED): the configured issuer', async () => {
    expect((await issued()).claims.iss).toBe(ISSUER);
  });

  it('2.2 exp (REQUIRED): iat plus the access-token lifetime', async () => {
    const { claims } = await issued({ accessTtlSec: 900 });
    expect(claims.exp).toBe((claims.iat as number) + 900);
  });

  it('2.2 aud (REQUIRED): the resource the token is for', async () => {
    expect((await issued()).claims.aud).toBe(AUDIENCE);
  });

  it('2.2 sub (REQUIRED): the user the token was issued for', async () => {
    expect((await issued()).claims.sub).toBe('user-1');
  });

  it('2.2 client_id (REQUIRED): the audience by default (a first-party API is its own client), or the configured client', async () => {
    expect((await issued()).claims.client_id).toBe(AUDIENCE);
    expect((await issued({ clientId: 'spa-web' })).claims.client_id).toBe('spa-web');
  });

  it('2.2 iat (REQUIRED): the issue time in seconds', async () => {
    const { claims, nowSec } = await issued();
    expect(claims.iat).toBe(nowSec());
  });

  it('2.2 jti (REQUIRED): unique per token', async () => {
    const { tokens, claims } = await issued();
    const other = decodeJwt((await tokens.issue({ subject: 'user-1' })).access_token);
    expect(typeof claims.jti).toBe('string');
    expect(other.jti).not.toBe(claims.jti);
  });

  it('2.2.3: application claims such as scope are carried; client_id cannot be overridden by one', async () => {
    const { tokens, claims } = await issued();
    expect(claims.scope).toBe('read');
    await expect(tokens.issue({ subject: 'u', claims: { client_id: 'evil' } })).rejects.toThrow(/client_id/);
  });

  it('refreshed tokens carry the same profile', async () => {
    const { tokens, pair } = await issued({ clientId: 'spa-web' });
    const next = decodeJwt((await tokens.refresh(pair.refresh_token)).access_token);
    expect(next).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'user-1',
      client_id: 'spa-web',
      scope: 'read',
    });
    expect(typeof next.jti).toBe('string');
  });
});
