import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { ConfigError, createSecurityContext } from '@portcullis/core';
import { rateLimitRules } from '@portcullis/rate-limit';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { METRICS_TOKEN, runEntryScenarios } from '../../express/test/portcullis-scenarios.js';
import { portcullis } from '../src/portcullis.js';
import { authClaims } from '../src/tokens.js';

runEntryScenarios('hono', async (m) => {
  const sec = portcullis({
    context: m.context,
    rateLimit: m.rateLimit,
    tokens: m.tokens,
    metrics: m.metrics,
    scrape: { token: METRICS_TOKEN },
    passwordValidator: m.passwordValidator,
    uploads: { guard: m.guard, store: async (file) => file.storageName },
    audit: m.audit,
  });
  const app = new Hono();
  app.use(sec);
  app.get('/open', (c) => c.text('ok'));
  app.get('/me', sec.requireAuth(), (c) => c.json({ sub: authClaims(c)?.sub }));
  app.get('/metrics', sec.metricsHandler());
  app.post('/pw', sec.passwordPolicy(), (c) => c.body(null, 204));
  app.post('/upload', sec.requireAuth(), sec.uploads(), (c) =>
    c.json({ files: (c.get('portcullis').uploads as { files: unknown[] }).files.length }, 201),
  );
  app.get(
    '/file/:id',
    sec.auditFile('read', (c) => c.req.param('id')),
    sec.requireAuth(),
    (c) => c.text('file'),
  );
  app.onError(sec.errorHandler());
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(s as Server),
    ) as Server;
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

describe('portcullis (hono)', () => {
  it('throws a ConfigError when a route asks for a module that was not configured', () => {
    const sec = portcullis({});
    expect(() => sec.requireAuth()).toThrow(ConfigError);
    expect(() => sec.uploads()).toThrow(/uploads is not configured/);
  });
});

describe('portcullis (hono) on runtimes without a socket address', () => {
  const asBun = <T>(fn: () => T): T => {
    const g = globalThis as { Bun?: unknown };
    g.Bun = {};
    try {
      return fn();
    } finally {
      delete g.Bun;
    }
  };

  it('fails at start-up with a ConfigError naming the fix, instead of keying every client as unknown', () => {
    expect(() => asBun(() => portcullis({}))).toThrow(ConfigError);
    expect(() => asBun(() => portcullis({}))).toThrow(/getConnInfo|clientAddressHeader/);
  });

  it('starts with a remoteAddress function or a platform header configured on the context', async () => {
    expect(() => asBun(() => portcullis({ remoteAddress: () => '192.0.2.1' }))).not.toThrow();
    const context = createSecurityContext({ clientAddressHeader: 'cf-connecting-ip' });
    const sec = asBun(() =>
      portcullis({
        context,
        rateLimit: rateLimitRules({ rules: [], defaultRule: { id: 'd', limit: 1, windowMs: 60_000 } }),
      }),
    );
    const app = new Hono();
    app.use(sec);
    app.get('/', (c) => c.text('ok'));
    const as = (ip: string) => app.request('/', { headers: { 'cf-connecting-ip': ip } });
    expect((await as('203.0.113.1')).status).toBe(200);
    expect((await as('203.0.113.1')).status).toBe(429);
    expect((await as('203.0.113.2')).status).toBe(200);
  });
});
