/**
 * The README's Hono app shape: one `portcullis()` call (rate limiting + tokens, the service's
 * default memory stores), with the runtime's socket peer passed as `remoteAddress`; the routes of
 * app.ts. For Node, Bun and Deno (the entries' `--one-call`; `--no-peer` leaves `remoteAddress`
 * out, which Bun and Deno must refuse at start-up), and bundled for Workers (worker-one-call.ts).
 */
import { createSecurityContext, type SecurityContextOptions } from '@portcullis/core';
import {
  authClaims,
  logoutHandler,
  portcullis,
  readJsonBody,
  refreshHandler,
  sendTokenPair,
} from '@portcullis/hono';
import { rateLimitRules } from '@portcullis/rate-limit';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import { type Context, Hono } from 'hono';
import { runtimeName } from './app.ts';

export async function createOneCallApp(
  remoteAddress?: (c: Context) => string | undefined,
  contextOptions: SecurityContextOptions = {},
): Promise<Hono> {
  const context = createSecurityContext(contextOptions);
  const keys = await createKeySet({
    keys: [{ kid: 'k1', alg: 'HS256', secret: new Uint8Array(32).fill(7) }],
    currentKid: 'k1',
  });
  const tokens = createTokenService({ keys, issuer: 'https://runtimes.test', audience: 'runtimes', context });
  const sec = portcullis({
    context,
    // A table built with rateLimitRules carries the rate-limit module: a plain object literal is
    // loaded by name on Node, Bun and Deno, which a Workers bundle cannot do.
    rateLimit: rateLimitRules({
      rules: [{ id: 'open', method: 'GET', path: '/open', limit: 3, windowMs: 60_000 }],
      defaultRule: { id: 'default', limit: 100, windowMs: 60_000 },
    }),
    tokens,
    remoteAddress,
  });
  const app = new Hono();
  app.use(sec);
  app.onError(sec.errorHandler());
  app.get('/open', (c) => c.text('ok'));
  app.get('/runtime', (c) => c.json({ runtime: runtimeName() }));
  app.post('/login', async (c) => {
    const { user } = (await readJsonBody(c)) as { user: string };
    return sendTokenPair(c, await tokens.issue({ subject: user }));
  });
  app.get('/me', sec.requireAuth(), (c) => c.json({ sub: authClaims(c)?.sub }));
  app.post('/refresh', refreshHandler(tokens));
  app.post('/logout', logoutHandler(tokens));
  app.get('/boom', () => {
    throw new Error('db down');
  });
  return app;
}
