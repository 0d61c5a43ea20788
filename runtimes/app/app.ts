/**
 * The runtime matrix's app: the Hono adapter's subpath entries (`@portcullis/hono/rate-limit`,
 * `@portcullis/hono/tokens`) with memory stores, built from the packages' dist/ as a user's app
 * imports them. The same module runs on Node, Bun, Deno and workerd; each entry beside it says
 * where the client address comes from (the socket through getConnInfo, or `cf-connecting-ip`).
 */
import { createSecurityContext, describeError, type SecurityContextOptions } from '@portcullis/core';
import { rateLimit } from '@portcullis/hono/rate-limit';
import {
  authClaims,
  logoutHandler,
  refreshHandler,
  requireAuth,
  sendTokenPair,
} from '@portcullis/hono/tokens';
import { createMemoryRateLimitStore, createRateLimitPolicy } from '@portcullis/rate-limit';
import {
  createKeySet,
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  createTokenService,
} from '@portcullis/tokens';
import { type Context, Hono } from 'hono';

/** Where each runtime's entry finds the client address. */
export interface RuntimeAppOptions {
  /** `clientAddressHeader` on socketless platforms (workerd: `cf-connecting-ip`). */
  context?: SecurityContextOptions;
  /** The socket peer, from `hono/bun` or `hono/deno`'s getConnInfo (Node reads it from the bindings). */
  remoteAddress?: (c: Context) => string | undefined;
}

/**
 * Routes (the part of the seams table that applies on every runtime):
 * - `GET /open`: 3 a minute per client, RateLimit headers, a 429 problem past it;
 * - `POST /login` (`{ "user": "..." }`) → a token pair; `GET /me` (requireAuth) → `{ sub }`;
 * - `POST /refresh`, `POST /logout`: rotation and revocation on the memory stores;
 * - `GET /boom`: an opaque 500 problem; `GET /runtime`: which runtime answered.
 */
export async function createRuntimeApp(options: RuntimeAppOptions = {}): Promise<Hono> {
  const context = createSecurityContext(options.context ?? {});
  const policy = createRateLimitPolicy({
    context,
    store: createMemoryRateLimitStore(),
    rules: [{ id: 'open', method: 'GET', path: '/open', limit: 3, windowMs: 60_000 }],
    defaultRule: { id: 'default', limit: 100, windowMs: 60_000 },
  });
  const keys = await createKeySet({
    keys: [{ kid: 'k1', alg: 'HS256', secret: new Uint8Array(32).fill(7) }],
    currentKid: 'k1',
  });
  const tokens = createTokenService({
    keys,
    issuer: 'https://runtimes.test',
    audience: 'runtimes',
    context,
    revocationStore: createMemoryRevocationStore(),
    refreshStore: createMemoryRefreshTokenStore(),
  });

  const app = new Hono();
  app.use('*', rateLimit(policy, { remoteAddress: options.remoteAddress }));
  app.get('/open', (c) => c.text('ok'));
  app.get('/runtime', (c) => c.json({ runtime: runtimeName() }));
  app.post('/login', async (c) => {
    const { user } = (await c.req.json()) as { user: string };
    return sendTokenPair(c, await tokens.issue({ subject: user }));
  });
  app.get('/me', requireAuth(tokens), (c) => c.json({ sub: authClaims(c)?.sub }));
  app.post('/refresh', refreshHandler(tokens));
  app.post('/logout', logoutHandler(tokens));
  app.get('/boom', () => {
    throw new Error('db down');
  });
  app.onError((err, c) => {
    const described = describeError(err, c.req.path);
    return new Response(JSON.stringify(described.body), {
      status: described.status,
      headers: described.headers,
    });
  });
  return app;
}

export function runtimeName(): string {
  const g = globalThis as { Bun?: unknown; Deno?: unknown; navigator?: { userAgent?: string } };
  if (g.Bun !== undefined) return 'bun';
  if (g.Deno !== undefined) return 'deno';
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  return 'node';
}
