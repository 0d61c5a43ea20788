import fc from 'fast-check';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createTestMetrics, runMetricsScenarios } from '../../metrics/test/adapter-scenarios.js';
import { parseExposition, sampleValue, seriesOf } from '../../metrics/test/exposition.js';
import { metricsHandler, portcullisMetrics } from '../src/metrics.js';

runMetricsScenarios(
  'fastify',
  async (ctx) => {
    const app = Fastify();
    await app.register(portcullisMetrics, { metrics: ctx.metrics });
    app.get('/users/:id', async () => 'ok');
    app.post('/login', async (_req, reply) => reply.code(201).send('welcome'));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    await app.register(
      async (api) => {
        api.get('/items/:id', async () => 'item');
      },
      { prefix: '/api' },
    );
    app.get('/hold', async () => {
      await ctx.gate.wait();
      return 'held';
    });
    app.get('/deferred', (_req, reply) => {
      // The handler returns now; the reply is sent on a later turn.
      setImmediate(() => {
        ctx.clock.advance(250);
        reply.send('late');
      });
      return reply;
    });
    app.get('/metrics', metricsHandler({ source: ctx.metrics, ...ctx.scrape }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    return { baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
  { seesAborts: true },
);

describe('portcullisMetrics (fastify)', () => {
  it('creates no new series for 100,000 random paths from a scanner', async () => {
    const metrics = createTestMetrics();
    const app = Fastify();
    await app.register(portcullisMetrics, { metrics });
    app.get('/users/:id', async () => 'ok');
    await app.ready();
    const paths = fc.sample(fc.webPath({ size: 'medium' }), { numRuns: 100_000, seed: 100 });
    for (const p of paths) await app.inject({ method: 'GET', url: `/x${p.startsWith('/') ? p : `/${p}`}` });
    const parsed = parseExposition((await metrics.scrape('prometheus')).body);
    const routes = new Set(
      seriesOf(parsed, 'http_server_request_duration_seconds_count').map((l) => l.http_route),
    );
    expect([...routes]).toEqual(['__unmatched__']);
    expect(sampleValue(parsed, 'http_server_request_duration_seconds_count')).toBe(100_000);
    await app.close();
  }, 60_000);
});
