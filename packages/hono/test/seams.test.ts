import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe } from 'vitest';
import { itRoutesAndLimitsAlike, PATH_RULES } from '../../http/test/path-property.ts';
import { runSeamScenarios } from '../../http/test/seams-scenarios.ts';
import { clientAddressInput } from '../src/http.js';
import { portcullis } from '../src/portcullis.js';
import { authClaims, refreshHandler } from '../src/tokens.js';

runSeamScenarios('hono', async (m) => {
  const sec = portcullis({
    context: m.context,
    rateLimit: m.rateLimit,
    tokens: m.tokens,
    metrics: m.metrics,
    audit: m.audit,
    uploads: {
      guard: m.guard,
      store: async (file) => {
        for await (const _ of file.content);
      },
    },
    onError: m.onError,
  });
  const app = new Hono();
  app.use(sec);
  app.get('/open', (c) => c.text('ok'));
  app.get('/me', sec.requireAuth(), (c) => c.json({ sub: authClaims(c)?.sub }));
  app.get('/metrics', sec.metricsHandler());
  app.post('/auth/login', async (c) => {
    const user = String(c.req.header('x-user'));
    const attempt = await m.loginGuard.attempt({ username: user, client: clientAddressInput(c) });
    if (!attempt.allowed) throw attempt.error;
    if (c.req.header('x-pass') === 'right') {
      await attempt.succeeded({ userId: `id-${user}` });
      return c.json({ ok: true }, 200);
    }
    await attempt.failed();
    return c.json({ ok: false }, 401);
  });
  app.post('/refresh', refreshHandler(m.tokens));
  app.get('/boom', () => {
    throw new Error('db down');
  });
  app.get('/forbidden', () => {
    throw Object.assign(new Error('You may not see invoice 42'), { status: 403, expose: true });
  });
  app.get(
    '/download/:id',
    sec.auditFile('read', (c) => c.req.param('id')),
    (c) =>
      c.body(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('partial'));
          },
        }),
        200,
        { 'content-type': 'application/octet-stream' },
      ),
  );
  app.post('/upload', sec.uploads(), (c) => c.body(null, 201));
  app.onError(sec.errorHandler());
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(s as Server),
    ) as Server;
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});

describe('path property (hono)', () => {
  let server: Server;
  beforeAll(async () => {
    const sec = portcullis({ rateLimit: PATH_RULES });
    const app = new Hono();
    app.use(sec);
    app.post('/auth/login', (c) => c.text('login', 200, { 'x-route': 'login' }));
    app.get('/open', (c) => c.text('open', 200, { 'x-route': 'open' }));
    app.get('/users/:id', (c) => c.text('users', 200, { 'x-route': 'users' }));
    app.onError(sec.errorHandler());
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(s as Server),
      ) as Server;
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  itRoutesAndLimitsAlike('hono', () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
