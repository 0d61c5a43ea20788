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
 * A `floor` case per framework is the least any metrics integration of that shape costs: an
 * empty middleware (Express, Hono: `await next()` and nothing else) or an empty `onRequest` +
 * `onResponse` hook pair (Fastify). `ceiling` = the peer's time over the floor's: the best ratio
 * a free metrics middleware could show against that peer. On Hono the floor is not free: a route
 * with no middleware takes Hono's no-compose fast path, and the first middleware adds compose
 * and two async dispatches (~0.4-0.6 µs here) to every request.
 *
 * Each group (one framework, the recording, the scrape) runs in its own child process: V8's
 * inline caches and heap are shared by everything in a process, and one framework's cases had
 * shifted another's throughput by up to 2x (Hono 0.70x in one process, 1.18x alone). Within a
 * group, ours and the peer still share the process and alternate in interleaved rounds.
 *
 * Our packages are loaded from src/ (the dev-source condition, as the tests do), so the adapters
 * need no build; Node strips the types, the code that runs is the same.
 */
import { spawnSync } from 'node:child_process';
import { Agent, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { useDevSource } from './dev-source.ts';
import { type BenchCase, type CaseResult, report, runCases } from './lib.ts';

useDevSource();

const GROUPS = ['express', 'fastify', 'hono', 'record', 'scrape'] as const;
type Group = (typeof GROUPS)[number];
const GROUP_ENV = 'PORTCULLIS_BENCH_METRICS_GROUP';
const RESULT_MARK = 'metrics-group-result:';
const group = process.env[GROUP_ENV] as Group | undefined;

if (group === undefined) {
  // The parent: one child per group, then one report.
  const results: CaseResult[] = [];
  for (const g of GROUPS) {
    const child = spawnSync(process.execPath, [...process.execArgv, import.meta.filename], {
      env: { ...process.env, [GROUP_ENV]: g },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
    if (child.status !== 0 || line === undefined) {
      console.error(child.stdout);
      throw new Error(`metrics bench group ${g} failed (exit ${child.status})`);
    }
    results.push(...(JSON.parse(line.slice(RESULT_MARK.length)) as CaseResult[]));
  }
  summarise(results);
  process.exit(0);
}

/** Overheads over `none`, ceilings over `floor`, the table and the JSON. */
function summarise(results: CaseResult[]): void {
  const find = (id: string) => results.find((x) => x.id === id);
  for (const r of results) {
    const fw = r.id.split('/')[0]!;
    if (!fw.startsWith('request-')) continue;
    // Extra median latency over the same framework with no metrics, in ns: the median resists
    // the machine's noise better than throughput does.
    const none = find(`${fw}/none`);
    if (none && r !== none) r.overheadNs = r.p50Ns - none.p50Ns;
    const floor = find(`${fw}/floor`);
    if (r.baseline && floor && floor.opsPerSec > 0) {
      const peer = find(r.baseline)!;
      r.ceiling = Math.round((floor.opsPerSec / peer.opsPerSec) * 1000) / 1000;
      r.ceilingCpu =
        Math.round(((floor.cpuOpsPerSec as number) / (peer.cpuOpsPerSec as number)) * 1000) / 1000;
    }
  }
  report('metrics', results);
  console.log(
    results
      .filter((r) => r.overheadNs !== undefined)
      .map((r) => `${r.id}: +${r.overheadNs} ns/request (p50) over no metrics`)
      .join('\n'),
  );
  for (const r of results.filter((x) => x.ceiling !== undefined))
    console.log(
      `${r.id}: ${r.ratio}x ${r.baseline}; a free middleware would reach ${r.ceiling}x (cpu ${r.ceilingCpu}x)`,
    );
  const scrape = find('scrape-10k/portcullis');
  if (scrape)
    console.log(`scrape series: ${scrape.series}; p50 ${(scrape.p50Ns / 1e6).toFixed(2)} ms (goal < 50 ms)`);
}

const { createMetrics, OTEL_HTTP_DURATION_BUCKETS } = await import('@portcullis/metrics');
const { Registry } = await import('prom-client');
const buckets = [...OTEL_HTTP_DURATION_BUCKETS];
// The frameworks leave per-request clean-up to the event loop: turn it, as a server does.
const REQUEST_SUITE = { durationMs: 1000, rounds: 7, turnLoop: true };

// ---- Express: real loopback server, one keep-alive connection per case.
// bench has no @types/express: the little of Express used here, typed by hand.
interface ExpressApp {
  use(mw: unknown): void;
  get(path: string, handler: (req: unknown, res: { send(body: string): void }) => void): void;
  listen(port: number, host: string): import('node:http').Server;
}
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
async function expressCases(): Promise<{ cases: BenchCase[]; close: () => Promise<void> }> {
  const { metricsMiddleware } = await import('@portcullis/express/metrics');
  const express = (await import('express' as string)).default as () => ExpressApp;
  const { default: promBundle } = await import('express-prom-bundle');
  const app = (mw?: unknown): ExpressApp => {
    const a = express();
    if (mw) a.use(mw);
    a.get('/users/:id', (_req, res) => {
      res.send('ok');
    });
    return a;
  };
  const none = await listen(app());
  const floor = await listen(app((_req: unknown, _res: unknown, next: () => void) => next()));
  const ours = await listen(app(metricsMiddleware(createMetrics({ registry: new Registry() }))));
  const peer = await listen(
    app(
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
  return {
    cases: [
      { id: 'request-express/none', fn: () => hit(none.port, none.agent) },
      { id: 'request-express/floor', fn: () => hit(floor.port, floor.agent) },
      {
        id: 'request-express/portcullis',
        baseline: 'request-express/express-prom-bundle',
        fn: () => hit(ours.port, ours.agent),
      },
      { id: 'request-express/express-prom-bundle', fn: () => hit(peer.port, peer.agent) },
    ],
    close: async () => {
      for (const s of [none, floor, ours, peer]) s.close();
    },
  };
}

// ---- Fastify: inject() for every case.
async function fastifyCases(): Promise<{ cases: BenchCase[]; close: () => Promise<void> }> {
  const { portcullisMetrics } = await import('@portcullis/fastify/metrics');
  const { default: Fastify } = await import('fastify');
  const { default: fastifyMetrics } = await import('fastify-metrics');
  async function app(setup?: (app: ReturnType<typeof Fastify>) => Promise<void>) {
    const a = Fastify();
    if (setup) await setup(a);
    a.get('/users/:id', async () => 'ok');
    await a.ready();
    return a;
  }
  const none = await app();
  // The two hooks every metrics plugin needs (start, end), doing nothing.
  const floor = await app(async (a) => {
    const nothing = (_req: unknown, _rep: unknown, next: () => void) => next();
    a.addHook('onRequest', nothing);
    a.addHook('onResponse', nothing);
  });
  const ours = await app(async (a) => {
    await a.register(portcullisMetrics, { metrics: createMetrics({ registry: new Registry() }) });
  });
  const peer = await app(async (a) => {
    await a.register(fastifyMetrics, {
      endpoint: null,
      defaultMetrics: { enabled: false },
      routeMetrics: { enabled: { histogram: true, summary: false }, overrides: { histogram: { buckets } } },
    });
  });
  const inject = (a: typeof none) => () => a.inject({ method: 'GET', url: '/users/42' });
  return {
    cases: [
      { id: 'request-fastify/none', fn: inject(none) },
      { id: 'request-fastify/floor', fn: inject(floor) },
      { id: 'request-fastify/portcullis', baseline: 'request-fastify/fastify-metrics', fn: inject(ours) },
      { id: 'request-fastify/fastify-metrics', fn: inject(peer) },
    ],
    close: async () => {
      await Promise.all([none.close(), floor.close(), ours.close(), peer.close()]);
    },
  };
}

// ---- Hono: app.request() for every case.
async function honoCases(): Promise<{ cases: BenchCase[]; close: () => Promise<void> }> {
  const { metricsMiddleware } = await import('@portcullis/hono/metrics');
  const { Hono } = await import('hono');
  const { prometheus } = await import('@hono/prometheus');
  const app = (mw?: MiddlewareHandler) => {
    const a = new Hono();
    if (mw) a.use(mw);
    a.get('/users/:id', (c) => c.text('ok'));
    return a;
  };
  const none = app();
  const floor = app(async (_c, next) => {
    await next();
  });
  const ours = app(metricsMiddleware(createMetrics({ registry: new Registry() })));
  const peer = app(
    prometheus({
      registry: new Registry(),
      // Same buckets as ours; the option type is a union that hides `buckets` on the histogram arm.
      metricOptions: {
        requestsTotal: { disabled: true },
        requestDuration: { buckets } as { disabled?: boolean },
      },
    }).registerMetrics,
  );
  const request = (a: typeof none) => () => a.request('/users/42');
  return {
    cases: [
      { id: 'request-hono/none', fn: request(none) },
      { id: 'request-hono/floor', fn: request(floor) },
      { id: 'request-hono/portcullis', baseline: 'request-hono/hono-prometheus', fn: request(ours) },
      { id: 'request-hono/hono-prometheus', fn: request(peer) },
    ],
    close: async () => {},
  };
}

// ---- The recording alone, without a framework: start + observe of one request, ours against
// prom-client's own startTimer() on a histogram with the same buckets and four labels.
async function recordCases(): Promise<CaseResult[]> {
  const recordMetrics = createMetrics({ registry: new Registry() });
  const { Histogram } = await import('prom-client');
  const raw = new Histogram({
    name: 'raw_duration_seconds',
    help: 'raw',
    labelNames: ['method', 'route', 'status_code', 'error_type'],
    buckets,
    registers: [new Registry()],
  });
  return runCases(
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
}

// ---- Scrape: 10,000 series as Prometheus counts them (each bucket, _sum and _count is one).
// 588 histogram label sets x 17 series = 9,996, plus the security counters: just over 10,000.
async function scrapeCases(): Promise<CaseResult[]> {
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
  return scrapes;
}

async function requestGroup(
  build: () => Promise<{ cases: BenchCase[]; close: () => Promise<void> }>,
): Promise<CaseResult[]> {
  const { cases, close } = await build();
  const results = await runCases(cases, REQUEST_SUITE);
  await close();
  return results;
}

const groupResults: CaseResult[] =
  group === 'express'
    ? await requestGroup(expressCases)
    : group === 'fastify'
      ? await requestGroup(fastifyCases)
      : group === 'hono'
        ? await requestGroup(honoCases)
        : group === 'record'
          ? await recordCases()
          : await scrapeCases();
process.stdout.write(`${RESULT_MARK}${JSON.stringify(groupResults)}\n`);
process.exit(0);
