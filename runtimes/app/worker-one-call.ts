/**
 * The same Worker through the one-call entry (`portcullis()` from `@portcullis/hono`), with only
 * rate limiting and tokens configured: bundled to measure what that entry pulls into a Worker.
 */
import { createSecurityContext } from '@portcullis/core';
import { authClaims, portcullis } from '@portcullis/hono';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import { Hono } from 'hono';

let app: Promise<Hono> | undefined;

async function build(): Promise<Hono> {
  const context = createSecurityContext({ clientAddressHeader: 'cf-connecting-ip' });
  const keys = await createKeySet({
    keys: [{ kid: 'k1', alg: 'HS256', secret: new Uint8Array(32).fill(7) }],
    currentKid: 'k1',
  });
  const tokens = createTokenService({ keys, issuer: 'https://runtimes.test', audience: 'runtimes', context });
  const sec = portcullis({
    context,
    rateLimit: {
      rules: [{ id: 'open', method: 'GET', path: '/open', limit: 3, windowMs: 60_000 }],
      defaultRule: { id: 'default', limit: 100, windowMs: 60_000 },
    },
    tokens,
  });
  const hono = new Hono();
  hono.use(sec);
  hono.onError(sec.errorHandler());
  hono.get('/open', (c) => c.text('ok'));
  hono.get('/me', sec.requireAuth(), (c) => c.json({ sub: authClaims(c)?.sub }));
  return hono;
}

export default {
  async fetch(request: Request, env: unknown, ctx: unknown): Promise<Response> {
    app ??= build();
    return (await app).fetch(request, env, ctx as never);
  },
};
