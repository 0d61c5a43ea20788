/**
 * Requests per second and p99 latency of a real HTTP route, bare versus behind the full
 * Portcullis stack (client address + rate limit + bearer verification + metrics, wired with each
 * adapter's one-call `portcullis` entry point), for Express, Fastify and Hono, with memory
 * stores and with Redis stores (when REDIS_URL is set).
 *
 * Fairness: every case serves the same `GET /hello` answering `{"hello":"world"}` and receives
 * the same requests, Bearer header included (the bare route ignores it). The rate limit is set
 * to 10^9 per minute so no request is refused: the cost measured is the decision, not a 429.
 * Token verification is the dominant cost (jose HS256 through WebCrypto, about 50 us per token
 * here); the `full-stack-memory-token-cache` cases turn on the token service's opt-in cache of
 * verified tokens to show the stack without it. Each server runs in its own child process so
 * autocannon's load generator does not share its event loop; the machine has 2 cores, so the
 * generator and the server still share the CPU, which caps the absolute figures (the ratios are
 * what to read). Cases are measured in interleaved rounds and the median round is kept.
 *
 * `node bench/http.ts serve <framework> <bare|memory|cached|redis>` is the child-process server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { registerHooks } from 'node:module';
import { type CaseResult, report, withRatios } from './lib.ts';

const FRAMEWORKS = ['fastify', 'hono', 'express'] as const;
type Framework = (typeof FRAMEWORKS)[number];
/** `cached`: memory stores plus the token service's verified-token cache (an opt-in option). */
type Stack = 'bare' | 'memory' | 'cached' | 'redis';

const ROUNDS = 3;
const DURATION_S = 3;
const CONNECTIONS = 16;

// ---------------------------------------------------------------- child: the server under test

async function serve(framework: Framework, stack: Stack): Promise<void> {
  // Our packages from src/ (the dev-source condition, as the tests and the other benches do).
  registerHooks({
    resolve(specifier, context, next) {
      const ctx = { ...context, conditions: ['dev-source', ...context.conditions] };
      try {
        return next(specifier, ctx);
      } catch (err) {
        if (specifier.startsWith('.') && specifier.endsWith('.js'))
          return next(`${specifier.slice(0, -3)}.ts`, ctx);
        throw err;
      }
    },
  });
  const { createSecurityContext } = await import('@portcullis/core');
  const { createMetrics } = await import('@portcullis/metrics');
  const { createMemoryRateLimitStore, createRateLimitPolicy } = await import('@portcullis/rate-limit');
  const { createKeySet, createTokenService, createMemoryRevocationStore, createMemoryRefreshTokenStore } =
    await import('@portcullis/tokens');
  const redisPkg = await import('@portcullis/redis');

  // One security context (socket peer only, one bus), as the README apps build it.
  const context = createSecurityContext();
  const { events } = context;
  let redis: ReturnType<typeof redisPkg.createRedisClient> | undefined;
  if (stack === 'redis') {
    redis = redisPkg.createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await redisPkg.waitForRedis(redis);
  }
  const prefix = `bench:http:${process.pid}:`;
  const rateLimit = createRateLimitPolicy({
    rules: [],
    // High enough that no request is refused: the bench measures the decision, not a 429.
    defaultRule: { id: 'default', limit: 1_000_000_000, windowMs: 60_000 },
    store: redis
      ? redisPkg.createRedisRateLimitStore({ client: redis, prefix: `${prefix}rl:` })
      : createMemoryRateLimitStore(),
    context,
  });
  const tokens = createTokenService({
    keys: await createKeySet({
      keys: [{ kid: 'b1', alg: 'HS256', secret: new Uint8Array(32).fill(9) }],
      currentKid: 'b1',
    }),
    issuer: 'https://bench.test',
    audience: 'bench',
    revocationStore: redis
      ? redisPkg.createRedisRevocationStore({ client: redis, prefix: `${prefix}tok:` })
      : createMemoryRevocationStore({ warn: false }),
    refreshStore: redis
      ? redisPkg.createRedisRefreshTokenStore({ client: redis, prefix: `${prefix}tok:` })
      : createMemoryRefreshTokenStore({ warn: false }),
    // Off by default; the `cached` cases show what it buys (revocation is still checked per hit).
    cache: stack === 'cached' ? { max: 10_000 } : undefined,
    events,
  });
  const metrics = createMetrics({ context });
  const token = (await tokens.issue({ subject: 'bench-user' })).access_token;
  const full = stack !== 'bare';
  const config = { context, rateLimit, tokens, metrics };
  const hello = { hello: 'world' };
  let port = 0;

  if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const { portcullis } = await import('@portcullis/fastify');
    const app = Fastify();
    if (full) {
      await app.register(portcullis, config);
      app.get('/hello', { preHandler: app.portcullis.requireAuth }, async () => hello);
    } else app.get('/hello', async () => hello);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  } else if (framework === 'hono') {
    const { Hono } = await import('hono');
    const { serve: honoServe } = await import('@hono/node-server');
    const { portcullis } = await import('@portcullis/hono');
    const app = new Hono();
    if (full) {
      const sec = portcullis(config);
      app.use(sec);
      app.get('/hello', sec.requireAuth(), (c) => c.json(hello));
    } else app.get('/hello', (c) => c.json(hello));
    port = await new Promise<number>((resolve) => {
      honoServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
    });
  } else {
    // bench has no @types/express: the little of Express used here, typed by hand.
    type Handler = (req: unknown, res: { json(body: unknown): void }, next: () => void) => void;
    interface ExpressApp {
      use(mw: unknown): void;
      disable(setting: string): void;
      get(path: string, ...handlers: unknown[]): void;
      listen(port: number, host: string, cb: () => void): import('node:http').Server;
    }
    const express = (await import('express' as string)).default as () => ExpressApp;
    const { portcullis } = await import('@portcullis/express');
    const app = express();
    app.disable('x-powered-by');
    const route: Handler = (_req, res) => res.json(hello);
    if (full) {
      const sec = portcullis(config);
      app.use(sec);
      app.get('/hello', sec.requireAuth(), route);
    } else app.get('/hello', route);
    port = await new Promise<number>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
    });
  }
  process.stdout.write(`${JSON.stringify({ port, token })}\n`);
  process.on('SIGTERM', () => {
    redis?.disconnect();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- parent: the load generator

interface Server {
  child: ChildProcess;
  port: number;
  token: string;
}

function startServer(framework: Framework, stack: Stack, script = import.meta.filename): Promise<Server> {
  const child = spawn(process.execPath, [script, 'serve', framework, stack], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        const { port, token } = JSON.parse(line) as { port: number; token: string };
        resolve({ child, port, token });
      }
    });
    child.once('exit', (code) => reject(new Error(`server ${framework}/${stack} exited with ${code}`)));
  });
}

interface Run {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(server: Server, durationS: number): Promise<Run> {
  // bench has no @types/autocannon: the fields read here, typed by hand.
  type Autocannon = (options: object) => Promise<{
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  }>;
  const autocannon = (await import('autocannon' as string)).default as Autocannon;
  const r = await autocannon({
    url: `http://127.0.0.1:${server.port}/hello`,
    connections: CONNECTIONS,
    duration: durationS,
    headers: { authorization: `Bearer ${server.token}` },
  });
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const stacks: Stack[] = process.env.REDIS_URL
    ? ['bare', 'memory', 'cached', 'redis']
    : ['bare', 'memory', 'cached'];
  if (!process.env.REDIS_URL) console.log('REDIS_URL unset: the */full-stack-redis cases are skipped');
  const idOf = (f: Framework, s: Stack) =>
    s === 'bare'
      ? `${f}/bare`
      : s === 'cached'
        ? `${f}/full-stack-memory-token-cache`
        : `${f}/full-stack-${s}`;
  const servers = new Map<string, Server>();
  for (const f of FRAMEWORKS) for (const s of stacks) servers.set(idOf(f, s), await startServer(f, s));
  // BENCH_BASELINE_TREE=<another checkout, installed>: its stacks are measured in the same
  // interleaved rounds (`<id>@baseline`), so a change is compared with what it replaces in one run.
  const baseTree = process.env.BENCH_BASELINE_TREE;
  if (baseTree)
    for (const f of FRAMEWORKS)
      for (const s of ['memory', 'cached'] as const)
        servers.set(`${idOf(f, s)}@baseline`, await startServer(f, s, `${baseTree}/bench/http.ts`));
  const runs = new Map<string, Run[]>();
  try {
    for (const server of servers.values()) await load(server, 1); // warm-up: JIT and connections
    for (let round = 0; round < ROUNDS; round++) {
      for (const [id, server] of servers) {
        const run = await load(server, DURATION_S);
        runs.set(id, [...(runs.get(id) ?? []), run]);
      }
    }
  } finally {
    for (const s of servers.values()) s.child.kill('SIGTERM');
  }
  const results: CaseResult[] = [...runs].map(([id, rs]) => {
    const framework = id.split('/')[0];
    const againstBase = id.endsWith('@baseline')
      ? undefined
      : runs.has(`${id}@baseline`)
        ? `${id}@baseline`
        : undefined;
    const bad = rs.reduce((n, r) => n + r.non2xx + r.errors, 0);
    return {
      id,
      opsPerSec: Math.round(median(rs.map((r) => r.rps))),
      p50Ns: Math.round(median(rs.map((r) => r.p50Ms)) * 1e6),
      p99Ns: Math.round(median(rs.map((r) => r.p99Ms)) * 1e6),
      ...(id.endsWith('/bare') ? {} : { baseline: `${framework}/bare` }),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      non2xxOrErrors: bad,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      durationS: DURATION_S,
      ...(id.endsWith('full-stack-memory') ? { goal: 'ratio >= 0.85' } : {}),
      ...(againstBase ? { againstBaseline: againstBase } : {}),
    };
  });
  const byId = new Map(results.map((r) => [r.id, r]));
  for (const r of results) {
    const base = r.againstBaseline === undefined ? undefined : byId.get(String(r.againstBaseline));
    if (base)
      console.log(`${r.id}: ${(r.opsPerSec / base.opsPerSec).toFixed(3)}x its baseline tree (same run)`);
  }
  report('http', withRatios(results));
}

const [mode, framework, stack] = process.argv.slice(2);
if (mode === 'serve') await serve(framework as Framework, stack as Stack);
else await main();
