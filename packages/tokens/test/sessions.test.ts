/**
 * Session (`sid`) revocation: revoking a refresh family, by reuse detection or by logout, reaches
 * every access token of that session, on the cached path too; parallel refreshes inside the
 * grace window share one successor pair.
 */
import { describe, expect, it } from 'vitest';
import { codeOf, setup } from './helpers.js';

describe('createTokenService: session revocation', () => {
  for (const cache of [undefined, { max: 100 }]) {
    const path = cache ? 'cached path' : 'uncached path';

    it(`reuse of a refresh token revokes every access token of its family (${path})`, async () => {
      const { tokens, clock } = await setup({ cache });
      const first = await tokens.issue({ subject: 'u' });
      const second = await tokens.refresh(first.refresh_token);
      const other = await tokens.issue({ subject: 'u' });
      for (const t of [first, second, other]) await tokens.verify(t.access_token);
      clock.advance(5001);
      expect(await codeOf(tokens.refresh(first.refresh_token))).toBe('ERR_TOKEN_REUSED');
      expect(await codeOf(tokens.verify(first.access_token))).toBe('ERR_TOKEN_REVOKED');
      expect(await codeOf(tokens.verify(second.access_token))).toBe('ERR_TOKEN_REVOKED');
      expect((await tokens.verify(other.access_token)).sub).toBe('u');
    });

    it(`logout with the newest access token refuses an earlier one of the same session (${path})`, async () => {
      const { tokens } = await setup({ cache });
      const first = await tokens.issue({ subject: 'u' });
      const second = await tokens.refresh(first.refresh_token);
      await tokens.verify(first.access_token);
      await tokens.revoke(second.access_token);
      expect(await codeOf(tokens.verify(first.access_token))).toBe('ERR_TOKEN_REVOKED');
      expect(await codeOf(tokens.refresh(second.refresh_token))).toBe('ERR_TOKEN_REVOKED');
    });

    it(`logout with the refresh token refuses the session's access tokens (${path})`, async () => {
      const { tokens } = await setup({ cache });
      const pair = await tokens.issue({ subject: 'u' });
      await tokens.verify(pair.access_token);
      await tokens.revoke(pair.refresh_token);
      expect(await codeOf(tokens.verify(pair.access_token))).toBe('ERR_TOKEN_REVOKED');
    });
  }

  it('keeps the session revocation until the last access token of the session has expired', async () => {
    const { tokens, clock, revocationStore } = await setup({ accessTtlSec: 600 });
    const pair = await tokens.issue({ subject: 'u' });
    await tokens.revoke(pair.refresh_token);
    clock.advance((600 + 30) * 1000 - 1);
    expect(await codeOf(tokens.verify(pair.access_token))).toBe('ERR_TOKEN_REVOKED');
    // Past exp + tolerance the token is expired anyway, and the entry may go.
    clock.advance(1);
    expect(await codeOf(tokens.verify(pair.access_token))).toBe('ERR_TOKEN_EXPIRED');
    expect(revocationStore.isRevoked('x', 'u', 0, 'https://auth.example unknown')).toBe(false);
  });

  it('gives twenty parallel refreshes of one token inside the grace window the same new pair (by design)', async () => {
    const { tokens } = await setup();
    const pair = await tokens.issue({ subject: 'u' });
    const results = await Promise.all(Array.from({ length: 20 }, () => tokens.refresh(pair.refresh_token)));
    const distinct = new Set(results.map((r) => JSON.stringify(r)));
    expect(distinct.size).toBe(1);
    const [next] = results;
    expect(next?.refresh_token).not.toBe(pair.refresh_token);
    expect((await tokens.verify(next?.access_token as string)).sub).toBe('u');
  });
});
