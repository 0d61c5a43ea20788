import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { attachModuleKit } from '@portcullis/core';
import { moduleKit } from '@portcullis/tokens';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { runTokenScenarios } from '../../tokens/test/adapter-scenarios.js';
import {
  authClaims,
  logoutAllHandler,
  logoutHandler,
  refreshHandler,
  requireAuth,
  tokenPairResponse,
} from '../src/tokens.js';

runTokenScenarios('hono', async ({ tokens, options }) => {
  const app = new Hono();
  app.post('/login', async (c) => {
    const { subject } = await c.req.json<{ subject: string }>();
    return tokenPairResponse(await tokens.issue({ subject, claims: { role: 'member' } }), options);
  });
  app.get('/me', requireAuth(tokens, options), (c) => {
    const claims = authClaims<{ role: string }>(c);
    return c.json({ sub: claims?.sub, role: claims?.role });
  });
  app.post('/refresh', refreshHandler(tokens, options));
  app.post('/logout', logoutHandler(tokens, options));
  app.post('/logout-all', requireAuth(tokens, options), logoutAllHandler(tokens));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
});

describe('requireAuth (hono)', () => {
  it('works in process through app.request as well', async () => {
    const app = new Hono();
    app.get(
      '/me',
      requireAuth(attachModuleKit({ verify: async () => ({ sub: 'u' }) }, moduleKit) as never),
      (c) => c.json(authClaims(c) ?? {}),
    );
    const res = await app.request('/me', { headers: { authorization: 'Bearer a.b.c' } });
    expect(await res.json()).toEqual({ sub: 'u' });
    expect((await app.request('/me')).status).toBe(401);
  });
});
