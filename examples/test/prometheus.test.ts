/**
 * A real Prometheus (Debian's `prometheus` binary on loopback, 1 s scrapes, its own temporary
 * TSDB) scraping the demo the way an operator runs it: `node examples/run.ts` as one Express
 * process with Redis stores, and as 4 Fastify workers (WORKERS=4) behind the cluster aggregation,
 * both through METRICS_TOKEN. The test drives traffic (logins, 429s, bad tokens, refresh-token
 * reuse, refused and accepted uploads, a Redis outage) and checks through Prometheus's HTTP API
 * that every series arrived with the values the client counted and the expected labels; that
 * the alerting rules evaluate cleanly and the expected ones fire; and that every query of the
 * Grafana dashboard returns data. Needs the built packages (`pnpm test` builds first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECURITY_EVENT_NAMES } from '@portcullis/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { elf, png } from '../../packages/mime-guard/test/fixtures.ts';
import {
  describePrometheus,
  freeLoopbackPort,
  type PrometheusServer,
  type PromSample,
  readAlertRules,
  startPrometheus,
} from '../../test-utils/prometheus.ts';
import { type RedisProcess, startRedisServer } from '../../test-utils/redis.ts';
import { renderSvgPlot } from './prometheus-plot.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const METRICS_TOKEN = 'prometheus-test-metrics-token';
const PASSWORD = 'Correct-Horse-Battery-9';
const SINGLE = 'portcullis-single';
const CLUSTER = 'portcullis-cluster';
const NO_TOKEN = 'portcullis-no-token';

/**
 * `authn_login_success` / `authn_login_fail`: on this branch the login guard does not publish
 * them, so they stay at 0 (pinned below). The one-security-context work on main makes the guard
 * publish them: set this to true there, and the test requires them to equal the 200 and 401
 * answers of /auth/login.
 */
const LOGIN_EVENTS_PUBLISHED = true;

/**
 * A request the rate limiter refuses can be answered before the router ran, and is then
 * recorded with `http_route="__unmatched__"` (Express; every adapter once the one request
 * pipeline answers refusals before routing). This test drives only the login route past a
 * limit, so such a 429 is counted as that route's.
 */
const UNROUTED_429 = 'POST __unmatched__ 429';

interface Reply {
  status: number;
  body: string;
}

interface CallInit {
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Default: a fresh connection per request, so a cluster spreads them over its workers. */
  agent?: Agent | false | undefined;
}

/** One request over loopback. */
function send(port: number, method: string, path: string, init: CallInit = {}): Promise<Reply> {
  const { headers = {}, body, agent = false } = init;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A demo process started with `node examples/run.ts`. */
interface Demo {
  readonly port: number;
  /** Settles when the demo prints its banner (or fails to start). */
  readonly ready: Promise<void>;
  /** What the client saw: answers by `METHOD route status`. */
  readonly tally: Map<string, number>;
  call(method: string, route: string, path: string, init?: CallInit): Promise<Reply>;
  count(method: string, route: string, status: number): number;
  stop(): Promise<void>;
}

/** Spawns the demo; await `ready` before sending to it, call `stop()` in any case. */
async function startDemo(env: Record<string, string>): Promise<Demo> {
  const port = await freeLoopbackPort();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-prom-demo-'));
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'examples/run.ts')], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: '', PORT: String(port), DATA_DIR: dir, METRICS_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not listening after 60 s:\n${output}`)), 60_000);
    child.stdout?.on('data', (b: Buffer) => {
      output += b.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code}:\n${output}`));
    });
  });
  ready.catch(() => {}); // awaited by the caller; stop() still runs when it fails
  const tally = new Map<string, number>();
  return {
    port,
    ready,
    tally,
    async call(method, route, path, init) {
      const r = await send(port, method, path, init);
      const key = `${method} ${route} ${r.status}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      return r;
    },
    count: (method, route, status) => tally.get(`${method} ${route} ${status}`) ?? 0,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

async function login(demo: Demo, username: string, password: string, agent?: Agent): Promise<Reply> {
  const body = JSON.stringify({ username, password });
  return demo.call('POST', '/auth/login', '/auth/login', { headers: JSON_HEADERS, body, agent });
}

async function upload(demo: Demo, token: string, bytes: Uint8Array, name: string, type: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  const req = new Request('http://demo.test/files', { method: 'POST', body: form });
  const body = new Uint8Array(await req.arrayBuffer());
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': req.headers.get('content-type') ?? '',
    'content-length': String(body.length),
  };
  return demo.call('POST', '/files', '/files', { headers, body });
}

/**
 * A token whose signature no longer matches: the signature's first character changed (its last
 * one may only carry padding bits, which would decode to the same signature).
 */
function tampered(token: string): string {
  const [header, payload, sig = ''] = token.split('.');
  return `${header}.${payload}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
}

/** What the traffic rounds did that has no HTTP status of its own. */
interface Expected {
  malformed: number;
  invalid: number;
  reuse: number;
  executables: number;
  accepted: number;
}

/** The token service's default refresh grace window (`refreshGraceMs`). */
const REFRESH_GRACE_MS = 5000;

/** A demo's signed-in session across rounds. */
interface Session {
  access: string;
  /** A refresh token spent in round 1, presented again in round 2. */
  spent?: { token: string; at: number } | undefined;
}

/**
 * One round of traffic against `demo`; adds to `e` what Prometheus should count. Each round
 * fails one password; round 1 signs in (and spends a refresh token when `reuse`); round 2
 * presents that token again and sends `limitProbes` login requests without a password over one keep-alive
 * connection (pinned to one cluster worker): the login limit (5 a minute per address) counts
 * them before the route answers 400, so they reach 429 without the cost of scrypt (128 MiB a
 * hash, the slow part of this test).
 */
async function round(
  demo: Demo,
  n: number,
  session: Session | undefined,
  reuse: boolean,
  limitProbes: number,
  e: Expected,
) {
  let s = session;
  if (!s) {
    const ok = await login(demo, 'demo', PASSWORD);
    expect(ok.status, ok.body).toBe(200);
    expect((await login(demo, 'demo', 'not-the-password-1')).status).toBe(401);
    const pair = JSON.parse(ok.body) as { accessToken: string; refreshToken: string };
    s = { access: pair.accessToken };
    if (reuse) {
      // A retried refresh inside the grace window gets the same pair back; after it, it is reuse.
      const body = JSON.stringify({ refreshToken: pair.refreshToken });
      const r = await demo.call('POST', '/auth/refresh', '/auth/refresh', { headers: JSON_HEADERS, body });
      expect(r.status).toBe(200);
      s.spent = { token: pair.refreshToken, at: Date.now() };
    }
  }
  // A failed password in round 2 too: series born in round 1 must move for rate() to see them.
  if (session) expect((await login(demo, 'demo', 'not-the-password-1')).status).toBe(401);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < limitProbes; i++) {
    const body = JSON.stringify({ username: `mallory-${i}` });
    await demo.call('POST', '/auth/login', '/auth/login', { headers: JSON_HEADERS, body, agent });
  }
  agent.destroy();
  const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
  expect((await demo.call('GET', '/me', '/me', bearer(s.access))).status).toBe(200);
  for (let i = 0; i < n; i++) {
    expect((await demo.call('GET', '/me', '/me', bearer('garbage'))).status).toBe(401);
    e.malformed++;
  }
  expect((await demo.call('GET', '/me', '/me', bearer(tampered(s.access)))).status).toBe(401);
  e.invalid++;
  expect((await upload(demo, s.access, png(), 'cat.png', 'image/png')).status).toBe(201);
  e.accepted++;
  expect((await upload(demo, s.access, elf(), 'holiday.png', 'image/png')).status).toBe(415);
  e.executables++;
  expect((await demo.call('GET', '__unmatched__', `/no-such-page-${n}`)).status).toBe(404);
  if (session?.spent) {
    const wait = session.spent.at + REFRESH_GRACE_MS + 500 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = JSON.stringify({ refreshToken: session.spent.token });
    const r = await demo.call('POST', '/auth/refresh', '/auth/refresh', { headers: JSON_HEADERS, body });
    expect(r.status, r.body).toBe(401);
    e.reuse++;
  }
  return s;
}

/** A bucket boundary as a number (`+Inf` is not one to `Number`). */
const bound = (le: string | undefined) => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le));
const value = (r: PromSample[]) => r.reduce((s, x) => s + Number(x.value[1]), 0);

describePrometheus('a real Prometheus scraping the demo (one process and WORKERS=4)', (bins) => {
  let single: Demo | undefined;
  let cluster: Demo | undefined;
  let redis: RedisProcess | undefined;
  let prom: PrometheusServer | undefined;
  let trafficAt = 0;
  const expected: Record<string, Expected> = {
    [SINGLE]: { malformed: 0, invalid: 0, reuse: 0, executables: 0, accepted: 0 },
    [CLUSTER]: { malformed: 0, invalid: 0, reuse: 0, executables: 0, accepted: 0 },
  };
  const demoOf = (job: string) => (job === SINGLE ? single : cluster) as Demo;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'packages/express/dist/index.js')))
      throw new Error('build the packages first (pnpm build): run.ts runs against dist/');
    // A private Redis this test may stop (the store-outage panel and alert); none: memory stores.
    redis = await startRedisServer();
    single = await startDemo({ FRAMEWORK: 'express', ...(redis ? { REDIS_URL: redis.url } : {}) });
    cluster = await startDemo({ FRAMEWORK: 'fastify', WORKERS: '4' });
    await Promise.all([single.ready, cluster.ready]);
    const target = (d: Demo) => `['127.0.0.1:${d.port}']`;
    const rules = join(ROOT, 'deploy/prometheus/alerts.yml');
    prom = await startPrometheus(
      bins.prometheus,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        `rule_files: ['${rules}']`,
        'scrape_configs:',
        ...[SINGLE, CLUSTER].flatMap((job) => [
          `  - job_name: ${job}`,
          '    authorization:',
          `      credentials: ${METRICS_TOKEN}`,
          `    static_configs: [{ targets: ${target(demoOf(job))} }]`,
        ]),
        `  - job_name: ${NO_TOKEN}`,
        `    static_configs: [{ targets: ${target(single)} }]`,
      ].join('\n'),
    );
    // Both demos scraped at least twice before any traffic: every counter has a baseline.
    await prom.waitFor(
      `count(count_over_time(portcullis_security_events_total{event="upload_rejected"}[1m]) >= 2)`,
      (r) => value(r) === 2,
      20_000,
    );
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await Promise.all([single?.stop(), cluster?.stop()]);
    await redis?.stop();
  });

  it('ingests the demo traffic with the values the client counted, through METRICS_TOKEN', async () => {
    const p = prom as PrometheusServer;
    trafficAt = Date.now() / 1000;
    const s = single as Demo;
    const c = cluster as Demo;
    // Two rounds with a scrape between them, so rate() over series born in round 1 is above 0.
    const [sessionS, sessionC] = await Promise.all([
      round(s, 1, undefined, true, 0, expected[SINGLE]!),
      round(c, 1, undefined, false, 0, expected[CLUSTER]!),
    ]);
    await p.waitFor(`sum(portcullis_uploads_total{reason="ERR_MIME_EXECUTABLE"})`, (r) => value(r) === 2);
    // Round 2 passes the login limit (5 a minute per address, per worker with in-memory stores):
    // 3 + 7 logins on one process, 7 over one connection to one worker: 429s in both.
    await Promise.all([
      round(s, 2, sessionS, true, 7, expected[SINGLE]!),
      round(c, 2, sessionC, false, 7, expected[CLUSTER]!),
    ]);
    for (const d of [s, c]) expect(d.count('POST', '/auth/login', 429)).toBeGreaterThan(0);

    if (redis) {
      // The store goes away: the rate-limit circuit opens after 3 failures (sys_store_unavailable).
      await redis.stop();
      for (let i = 0; i < 4; i++) await s.call('GET', '/health', '/health');
      await p.waitFor(`portcullis_store_circuit_state{job="${SINGLE}",state="open"}`, (r) => value(r) === 1);
    }

    for (const job of [SINGLE, CLUSTER]) {
      const d = demoOf(job);
      const sent = [...d.tally.values()].reduce((a, b) => a + b, 0);
      // Every request the client sent is in the histogram once, /metrics scrapes aside.
      await p.waitFor(
        `sum(http_server_request_duration_seconds_count{job="${job}",http_route!="/metrics"})`,
        (r) => value(r) === sent,
      );
      const byLabels = await p.query(
        `sum by (http_request_method, http_route, http_response_status_code) (http_server_request_duration_seconds_count{job="${job}",http_route!="/metrics"})`,
      );
      const seen: Record<string, number> = {};
      for (const x of byLabels) {
        const m = x.metric;
        let key = `${m.http_request_method} ${m.http_route} ${m.http_response_status_code}`;
        if (key === UNROUTED_429) key = 'POST /auth/login 429';
        seen[key] = (seen[key] ?? 0) + Number(x.value[1]);
      }
      expect(seen, job).toEqual(Object.fromEntries(d.tally));

      const one = async (expr: string) => value(await p.query(expr));
      const e = expected[job]!;
      const sel = `job="${job}"`;
      // Module counters equal what the client provoked.
      expect(
        await one(`portcullis_ratelimit_decisions_total{${sel},rule="login",outcome="limited"}`),
        job,
      ).toBe(d.count('POST', '/auth/login', 429));
      expect(
        await one(
          `portcullis_token_verifications_total{${sel},outcome="invalid",reason="ERR_TOKEN_MALFORMED"}`,
        ),
      ).toBe(e.malformed);
      expect(
        await one(
          // A tampered signature: the reason code behind the client's generic ERR_TOKEN_INVALID.
          `portcullis_token_verifications_total{${sel},outcome="invalid",reason="ERR_TOKEN_SIGNATURE"}`,
        ),
      ).toBe(e.invalid);
      expect(await one(`portcullis_security_events_total{${sel},event="authn_token_reuse"}`)).toBe(e.reuse);
      expect(await one(`portcullis_token_verifications_total{${sel},outcome="reuse"}`)).toBe(e.reuse);
      expect(
        await one(`portcullis_uploads_total{${sel},outcome="rejected",reason="ERR_MIME_EXECUTABLE"}`),
      ).toBe(e.executables);
      expect(await one(`portcullis_uploads_total{${sel},outcome="accepted",reason="none"}`)).toBe(e.accepted);
      expect(await one(`portcullis_security_events_total{${sel},event="upload_rejected"}`)).toBe(
        e.executables,
      );
      expect(await one(`portcullis_security_events_total{${sel},event="ratelimit_exceeded"}`)).toBe(
        d.count('POST', '/auth/login', 429),
      );
      const successes = await one(`portcullis_security_events_total{${sel},event="authn_login_success"}`);
      const failures = await one(`portcullis_security_events_total{${sel},event="authn_login_fail"}`);
      if (LOGIN_EVENTS_PUBLISHED) {
        expect(successes).toBe(d.count('POST', '/auth/login', 200));
        expect(failures).toBe(d.count('POST', '/auth/login', 401));
      } else {
        // Pins today's gap; flip LOGIN_EVENTS_PUBLISHED when the login route publishes its events.
        expect([successes, failures], 'login events are published now: set LOGIN_EVENTS_PUBLISHED').toEqual([
          0, 0,
        ]);
      }

      // Labels: the 14 OTel buckets plus +Inf, the route templates, target labels from the scrape config.
      const les = await p.query(`count by (le) (http_server_request_duration_seconds_bucket{${sel}})`);
      expect(les.map((x) => x.metric.le).sort((a, b) => bound(a) - bound(b))).toEqual([
        '0.005',
        '0.01',
        '0.025',
        '0.05',
        '0.075',
        '0.1',
        '0.25',
        '0.5',
        '0.75',
        '1',
        '2.5',
        '5',
        '7.5',
        '10',
        '+Inf',
      ]);
      const up = await p.query(`up{${sel}}`);
      expect(up.map((x) => [x.metric.instance, x.value[1]])).toEqual([[`127.0.0.1:${d.port}`, '1']]);
      // Every security event name exists from the start (0 or more), so rate() and increase() see the first one.
      expect(value(await p.query(`count(portcullis_security_events_total{${sel}})`))).toBe(
        SECURITY_EVENT_NAMES.length,
      );
    }

    // The scrape without the token is refused (401), and Prometheus says so.
    expect(value(await p.query(`up{job="${NO_TOKEN}"}`))).toBe(0);
    const targets = await p.api<{
      activeTargets: { labels: { job: string }; health: string; lastError: string }[];
    }>('targets', { state: 'active' });
    const refused = targets.activeTargets.find((t) => t.labels.job === NO_TOKEN);
    expect(refused?.health).toBe('down');
    expect(refused?.lastError).toMatch(/401/);
    expect(single?.count('GET', '/metrics', 401) ?? 0).toBe(0); // the client never called it: Prometheus did
    expect(
      value(
        await p.query(
          `http_server_request_duration_seconds_count{job="${SINGLE}",http_route="/metrics",http_response_status_code="401"}`,
        ),
      ),
    ).toBeGreaterThan(0);
  }, 90_000);

  it('evaluates every alerting rule without error, and the expected alerts go off', async () => {
    const p = prom as PrometheusServer;
    const names = readAlertRules(await readFile(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')).map(
      (r) => r.name,
    );
    const groups = (
      await p.api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>('rules')
    ).groups;
    const loaded = groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name)).toEqual(names);
    for (const r of loaded) expect([r.name, r.health, r.lastError ?? '']).toEqual([r.name, 'ok', '']);

    const alerts = async () =>
      (await p.query('ALERTS')).map((a) => `${a.metric.alertname} ${a.metric.job} ${a.metric.alertstate}`);
    const want = [
      `PortcullisRefreshTokenReuse ${SINGLE} firing`,
      `PortcullisExecutableUploadRejected ${SINGLE} firing`,
      `PortcullisExecutableUploadRejected ${CLUSTER} firing`,
      `PortcullisMetricsScrapeFailing ${NO_TOKEN} pending`,
      ...(redis ? [`PortcullisStoreUnavailable ${SINGLE} pending`] : []),
    ];
    const deadline = Date.now() + 15_000;
    let got = await alerts();
    while (!want.every((w) => got.includes(w)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      got = await alerts();
    }
    expect(got).toEqual(expect.arrayContaining(want));
    // Nothing pages that the traffic did not cause: no audit loss, no series-budget overflow.
    expect(got.filter((a) => /AuditRecordsLost|SeriesBudgetExhausted/.test(a))).toEqual([]);
  }, 30_000);

  it('answers every query of the Grafana dashboard with data', async () => {
    const p = prom as PrometheusServer;
    const dashboard = JSON.parse(await readFile(join(ROOT, 'deploy/grafana/portcullis.json'), 'utf8')) as {
      panels: { type: string; title: string; targets?: { refId: string; expr: string }[] }[];
    };
    const panels = dashboard.panels.filter((x) => x.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    const quiet = new Set(['Audit health']); // the demo loses no audit record: zeros, but data
    for (const panel of panels) {
      let moving = false;
      for (const t of panel.targets ?? []) {
        const expr = t.expr.replaceAll('$job', `${SINGLE}|${CLUSTER}`).replaceAll('$__rate_interval', '1m');
        expect(expr, `${panel.title} ${t.refId}`).not.toMatch(/\$/);
        if (!redis && /circuit_state/.test(expr)) continue; // no outage without a redis-server to stop
        const r = await p.query(expr);
        expect(r.length, `${panel.title} ${t.refId}: ${expr}`).toBeGreaterThan(0);
        if (r.some((x) => Number.isFinite(Number(x.value[1])) && Number(x.value[1]) > 0)) moving = true;
      }
      if (!quiet.has(panel.title)) expect(moving, `${panel.title} shows the traffic`).toBe(true);
    }

    // The picture for docs/metrics.md, drawn from what this run collected (set PROMETHEUS_PLOT_SVG).
    const out = process.env.PROMETHEUS_PLOT_SVG;
    if (out) {
      const series = await p.queryRange(
        `sum by (event) (portcullis_security_events_total{job=~"${SINGLE}|${CLUSTER}",event=~"authn_token_invalid|authn_token_reuse|ratelimit_exceeded|upload_rejected|upload_stored|sys_store_unavailable"})`,
        trafficAt - 3,
        Date.now() / 1000,
        1,
      );
      const title = 'Security events during the test run, both demos (cumulative, 1 s scrapes)';
      await writeFile(out, renderSvgPlot(title, 'events', series));
    }
  }, 30_000);
});
