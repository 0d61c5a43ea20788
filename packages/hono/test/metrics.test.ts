import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import fc from 'fast-check';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createTestMetrics, runMetricsScenarios } from '../../metrics/test/adapter-scenarios.js';
import { parseExposition, sampleValue, seriesOf } from '../../metrics/test/exposition.js';
import { metricsHandler, metricsMiddleware } from '../src/metrics.js';

runMetricsScenarios(
  'hono',
  async (ctx) => {
    const app = new Hono();
    app.onError((_err, c) => c.text('internal error', 500));
    app.use(metricsMiddleware(ctx.metrics));
    app.get('/users/:id', (c) => c.text('ok'));
    app.post('/login', (c) => c.text('welcome', 201));
    app.get('/boom', () => {
      throw new Error('boom');
    });
    const api = new Hono();
    api.get('/items/:id', (c) => c.text('item'));
    app.route('/api', api);
    app.get('/hold', async (c) => {
      await ctx.gate.wait();
      return c.text('held');
    });
    app.get('/deferred', async (c) => {
      // Hono's handler is the response: the duration ends when it resolves.
      await new Promise((r) => setImmediate(r));
      ctx.clock.advance(250);
      return c.text('late');
    });
    app.get('/metrics', metricsHandler({ source: ctx.metrics, ...ctx.scrape }));
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
  },
  { seesAborts: false },
);

describe('metricsMiddleware (hono)', () => {
  it('creates no new series for 100,000 random paths from a scanner', async () => {
    const metrics = createTestMetrics();
    const app = new Hono();
    app.use(metricsMiddleware(metrics));
    app.get('/users/:id', (c) => c.text('ok'));
    const paths = fc.sample(fc.webPath({ size: 'medium' }), { numRuns: 100_000, seed: 100 });
    for (const p of paths) await app.request(`http://localhost/x${p.startsWith('/') ? p : `/${p}`}`);
    const parsed = parseExposition((await metrics.scrape('prometheus')).body);
    const routes = new Set(
      seriesOf(parsed, 'http_server_request_duration_seconds_count').map((l) => l.http_route),
    );
    expect([...routes]).toEqual(['__unmatched__']);
    expect(sampleValue(parsed, 'http_server_request_duration_seconds_count')).toBe(100_000);
  }, 60_000);
});
