/**
 * Where the modules meet: each one takes the others through small structural types, so an app
 * passes a module straight in. These pins fail typecheck (`pnpm typecheck`) the day a name or a
 * signature drifts apart, and the runtime checks run the same objects for real.
 */
import { createManualClock } from '@portcullis/core';
import {
  createPasswordReset,
  createPasswordValidator,
  type ResetRateLimiter,
  type UserTokenRevoker,
} from '@portcullis/password';
import { createRateLimiter, type RateLimiter } from '@portcullis/rate-limit';
import { createKeySet, createTokenService, type TokenService } from '@portcullis/tokens';
import { describe, expect, expectTypeOf, it } from 'vitest';

describe('module wiring', () => {
  it('a token service is the reset flow revoker and a rate limiter its limiter, as they are', () => {
    expectTypeOf<TokenService>().toExtend<UserTokenRevoker>();
    expectTypeOf<RateLimiter>().toExtend<ResetRateLimiter>();
  });

  it('a reset confirm through the real token service logs the user out everywhere', async () => {
    const clock = createManualClock();
    const tokens = createTokenService({
      keys: await createKeySet({
        keys: [{ kid: 'k', alg: 'HS256', secret: new Uint8Array(32).fill(7) }],
        currentKid: 'k',
      }),
      issuer: 'https://wiring.test',
      audience: 'wiring',
      clock,
    });
    const pair = await tokens.issue({ subject: 'u1' });
    await expect(tokens.verify(pair.access_token)).resolves.toMatchObject({ sub: 'u1' });
    const user = { id: 'u1', email: 'u1@example.test', username: 'u1' };
    let mailed = '';
    let hash = '';
    const reset = createPasswordReset({
      publicResetUrl: 'https://wiring.test/reset',
      findUserByEmail: async (email) => (email === user.email ? user : undefined),
      findUserById: async (id) => (id === user.id ? user : undefined),
      setPassword: async (_id, h) => {
        hash = h;
      },
      mailer: {
        send: async (m) => {
          mailed = m.text;
        },
      },
      validator: createPasswordValidator(),
      revoker: tokens,
      perIpLimiter: createRateLimiter({ id: 'reset-ip', limit: 5, windowMs: 60_000, clock }),
      clock,
    });
    await reset.request({ email: user.email, client: { remoteAddress: '192.0.2.1', headers: {} } });
    await reset.idle();
    const token = /token=([\w.-]+)/.exec(mailed)?.[1];
    expect(token).toBeDefined();
    clock.advance(1);
    await reset.confirm({ token: token!, password: 'A-much-Stronger-Passphrase-2026' });
    expect(hash).toMatch(/^\$scrypt\$/);
    await expect(tokens.verify(pair.access_token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});
