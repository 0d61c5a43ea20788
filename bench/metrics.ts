/**
 * Per-request overhead of the metrics middleware next to the peers a user would pick instead
 * (express-prom-bundle, fastify-metrics, @hono/prometheus), and the time to render a scrape of
 * 10,000 series.
 *
 * Fairness: every side serves the same route (`GET /users/:id` answering `ok`) and records one
 * duration histogram with the same 14 OTel buckets and the same label dimensions (method, route,
 * status). Peers' extra default collectors are switched off (fastify-metrics' summary,
 * @hono/prometheus' request counter, express-prom-bundle's `up` gauge); ours keeps its
 * in-flight gauge. Each framework is driven the same way for all of its cases: Express through a
 * real loopback server with one keep-alive connection, Fastify through `inject()`, Hono through
 * `app.request()`. A `none` case (no metrics) is measured in the same run; `overheadNs` is the
 * extra time per request over it.
 *
 * Our packages are loaded from src/ (the dev-source condition, as the tests do), so the adapters
 * need no build; Node strips the types, the code that runs is the same.
 */
import { Agent, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { useDevSource } from './dev-source.ts';
import { type BenchCase, type CaseResult, report, runCases } from './lib.ts';

useDevSource();

const { createMetrics, OTEL_HTTP_DURATION_BUCKETS } = await import('@portcullis/metrics');
const { metricsMiddleware: expressMetrics } = await import('@portcullis/express/metrics');
const { portcullisMetrics } = await import('@portcullis/fastify/metrics');
const { metricsMiddleware: honoMetrics } = await import('@portcullis/hono/metrics');
// bench has no @types/express: the little of Express used here, typed by hand.
interface ExpressApp {
  use(mw: unknown): void;
  get(path: string, handler: (req: unknown, res: { send(body: string): void }) => void): void;
  listen(port: number, host: string): import('node:http').Server;
}
const express = (await import('express' as string)).default as () => ExpressApp;
const { default: promBundle } = await import('express-prom-bundle');
const { default: Fastify } = await import('fastify');
const { default: fastifyMetrics } = await import('fastify-metrics');
const { Hono } = await import('hono');
const { prometheus } = await import('@hono/prometheus');
const { Registry } = await import('prom-client');

const buckets = [...OTEL_HTTP_DURATION_BUCKETS];

// ---- Express: real loopback server, one keep-alive connection per case.
async function listen(app: ExpressApp): Promise<{ port: number; agent: Agent; close: () => void }> {
  const server = app.listen(0, '127.0.0.1');
  // Cases idle for several seconds between rounds: keep the connection open across them.
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((r) => server.once('listening', () => r()));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    port: (server.address() as AddressInfo).port,
    agent,
    close: () => {
      agent.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}
function hit(port: number, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/users/42', agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
}
function expressApp(mw?: unknown): ExpressApp {
  const app = express();
  if (mw) app.use(mw);
  app.get('/users/:id', (_req, res) => {
    res.send('ok');
  });
  return app;
}
const exNone = await listen(expressApp());
const exOurs = await listen(expressApp(expressMetrics(createMetrics({ registry: new Registry() }))));
const exPeer = await listen(
  expressApp(
    promBundle({
      includeMethod: true,
      includePath: true,
      includeStatusCode: true,
      includeUp: false,
      autoregister: false,
      promRegistry: new Registry(),
      buckets,
    }),
  ),
);

// ---- Fastify: inject() for every case.
async function fastifyApp(setup?: (app: ReturnType<typeof Fastify>) => Promise<void>) {
  const app = Fastify();
  if (setup) await setup(app);
  app.get('/users/:id', async () => 'ok');
  await app.ready();
  return app;
}
const fyNone = await fastifyApp();
const fyOurs = await fastifyApp(async (app) => {
  await app.register(portcullisMetrics, { metrics: createMetrics({ registry: new Registry() }) });
});
const fyPeer = await fastifyApp(async (app) => {
  await app.register(fastifyMetrics, {
    endpoint: null,
    defaultMetrics: { enabled: false },
    routeMetrics: { enabled: { histogram: true, summary: false }, overrides: { histogram: { buckets } } },
  });
});
const inject = (app: Awaited<ReturnType<typeof fastifyApp>>) => () =>
  app.inject({ method: 'GET', url: '/users/42' });

// ---- Hono: app.request() for every case.
function honoApp(mw?: MiddlewareHandler) {
  const app = new Hono();
  if (mw) app.use(mw);
  app.get('/users/:id', (c) => c.text('ok'));
  return app;
}
const hoNone = honoApp();
const hoOurs = honoApp(honoMetrics(createMetrics({ registry: new Registry() })));
const hoPeer = honoApp(
  prometheus({
    registry: new Registry(),
    // Same buckets as ours; the option type is a union that hides `buckets` on the histogram arm.
    metricOptions: {
      requestsTotal: { disabled: true },
      requestDuration: { buckets } as { disabled?: boolean },
    },
  }).registerMetrics,
);
const request = (app: ReturnType<typeof honoApp>) => () => app.request('/users/42');

const requestCases: BenchCase[] = [
  { id: 'request-express/none', fn: () => hit(exNone.port, exNone.agent) },
  {
    id: 'request-express/portcullis',
    baseline: 'request-express/express-prom-bundle',
    fn: () => hit(exOurs.port, exOurs.agent),
  },
  { id: 'request-express/express-prom-bundle', fn: () => hit(exPeer.port, exPeer.agent) },
  { id: 'request-fastify/none', fn: inject(fyNone) },
  { id: 'request-fastify/portcullis', baseline: 'request-fastify/fastify-metrics', fn: inject(fyOurs) },
  { id: 'request-fastify/fastify-metrics', fn: inject(fyPeer) },
  { id: 'request-hono/none', fn: request(hoNone) },
  { id: 'request-hono/portcullis', baseline: 'request-hono/hono-prometheus', fn: request(hoOurs) },
  { id: 'request-hono/hono-prometheus', fn: request(hoPeer) },
];
const requests = await runCases(requestCases, { durationMs: 1000, rounds: 7 });
exNone.close();
exOurs.close();
exPeer.close();
await Promise.all([fyNone.close(), fyOurs.close(), fyPeer.close()]);

// Overhead per request: the extra median latency over the same framework with no metrics, in
// ns. The median resists the machine's noise better than throughput does.
for (const r of requests) {
  const none = requests.find((x) => x.id === `${r.id.split('/')[0]}/none`);
  if (none && r !== none) r.overheadNs = r.p50Ns - none.p50Ns;
}

// ---- The recording alone, without a framework: start + observe of one request, ours against
// prom-client's own startTimer() on a histogram with the same buckets and four labels.
const recordMetrics = createMetrics({ registry: new Registry() });
const { Histogram } = await import('prom-client');
const raw = new Histogram({
  name: 'raw_duration_seconds',
  help: 'raw',
  labelNames: ['method', 'route', 'status_code', 'error_type'],
  buckets,
  registers: [new Registry()],
});
const records = await runCases(
  [
    {
      id: 'record/portcullis',
      baseline: 'record/prom-client',
      fn: () => recordMetrics.endRequest(recordMetrics.startRequest(), 'GET', '/users/:id', 200),
    },
    {
      id: 'record/prom-client',
      fn: () => raw.startTimer()({ method: 'GET', route: '/users/:id', status_code: 200, error_type: '' }),
    },
  ],
  { durationMs: 1000, rounds: 5 },
);

// ---- Scrape: 10,000 series as Prometheus counts them (each bucket, _sum and _count is one).
// 588 histogram label sets x 17 series = 9,996, plus the security counters: just over 10,000.
const scrapeRegistry = new Registry();
const scraped = createMetrics({ registry: scrapeRegistry, seriesBudget: 100_000 });
for (let i = 0; i < 588; i++) scraped.endRequest(scraped.startRequest(), 'GET', `/route/${i}/:id`, 200);
const seriesCount = (await scrapeRegistry.metrics())
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#')).length;

// And 10,000 histogram label sets (170,000 series), for whoever reads "10k series" that way.
const bigRegistry = new Registry();
const big = createMetrics({ registry: bigRegistry, seriesBudget: 100_000 });
for (let i = 0; i < 10_000; i++) big.endRequest(big.startRequest(), 'GET', `/route/${i}/:id`, 200);

const scrapes = await runCases(
  [
    {
      id: 'scrape-10k/portcullis',
      baseline: 'scrape-10k/prom-client',
      fn: () => scraped.scrape('prometheus'),
    },
    { id: 'scrape-10k/prom-client', fn: () => scrapeRegistry.metrics() },
    { id: 'scrape-10k-openmetrics/portcullis', fn: () => scraped.scrape('openmetrics') },
    { id: 'scrape-10k-labelsets/portcullis', fn: () => big.scrape('prometheus') },
  ],
  { durationMs: 2000, rounds: 3, warmupMs: 500 },
);
for (const s of scrapes) {
  s.series = s.id.startsWith('scrape-10k-labelsets') ? 170_000 : seriesCount;
  s.goalMs = 50;
}

const results: CaseResult[] = [...requests, ...records, ...scrapes];
report('metrics', results);
console.log(
  requests
    .filter((r) => r.overheadNs !== undefined)
    .map((r) => `${r.id}: +${r.overheadNs} ns/request (p50) over no metrics`)
    .join('\n'),
);
console.log(`scrape series: ${seriesCount}; p50 ${(scrapes[0]!.p50Ns / 1e6).toFixed(2)} ms (goal < 50 ms)`);
process.exit(0);
