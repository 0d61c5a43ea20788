import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createRateLimitPolicy } from '../../rate-limit/src/index.js';
import { runAdapterScenarios } from '../../rate-limit/test/adapter-scenarios.js';
import { requestState } from '../src/index.js';
import { rateLimit } from '../src/rate-limit.js';

function appFor(policy: Parameters<typeof rateLimit>[0], options: Parameters<typeof rateLimit>[1] = {}) {
  const app = new Hono();
  app.use('*', rateLimit(policy, options));
  const echo = (c: Context) => c.json({ rule: (requestState(c).rateLimit as { rule: string }).rule });
  app.post('/auth/login', echo);
  app.get('/health', echo);
  app.get('/items', echo);
  return app;
}

runAdapterScenarios('hono', async (policy) => {
  const app = appFor(policy);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

describe('hono rateLimit off Node', () => {
  it('takes the socket address from the remoteAddress option (app.request has no socket)', async () => {
    const app = appFor(
      createRateLimitPolicy({ rules: [], defaultRule: { id: 'default', limit: 1, windowMs: 60_000 } }),
      {
        remoteAddress: () => '192.0.2.9',
      },
    );
    expect((await app.request('/items')).status).toBe(200);
    const refused = await app.request('/items', { headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { rule: string }).rule).toBe('default');
  });
});
