/**
 * Requests per second and p99 latency of a real HTTP route, bare versus behind the full
 * Portcullis stack (client address + rate limit + bearer verification + metrics, wired with each
 * adapter's one-call `portcullis` entry point), for Express, Fastify and Hono, with memory
 * stores and with Redis stores (when REDIS_URL is set).
 *
 * Fairness: every case serves the same `GET /hello` answering `{"hello":"world"}` and receives
 * the same requests, Bearer header included (the bare route ignores it). The rate limit is set
 * to 10^9 per minute so no request is refused: the cost measured is the decision, not a 429.
 * The token service's verified-token cache is on by default; the
 * `full-stack-memory-no-token-cache` cases turn it off to show the verification cost (synchronous
 * node:crypto HMAC). The `peer-stack` cases are what users assemble instead, per framework:
 * @fastify/rate-limit + @fastify/jwt + fastify-metrics, express-rate-limit + express-jwt +
 * express-prom-bundle, hono-rate-limiter + hono/jwt + @hono/prometheus. Each server runs in its own child process so
 * autocannon's load generator does not share its event loop; the machine has 2 cores, so the
 * generator and the server still share the CPU, which caps the absolute figures (the ratios are
 * what to read). Cases are measured in interleaved rounds and the median round is kept.
 *
 * `node bench/http.ts serve <framework> <bare|memory|uncached|redis|peer>` is the child-process server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { useDevSource } from './dev-source.ts';
import { type CaseResult, report, withRatios } from './lib.ts';

const FRAMEWORKS = ['fastify', 'hono', 'express'] as const;
type Framework = (typeof FRAMEWORKS)[number];
/**
 * `memory`: Portcullis with its defaults (memory stores, verified-token cache on); `uncached`: the
 * same with `cache: false`; `redis`: Redis stores; `peer`: the stack users assemble instead from
 * the well-known per-framework packages (rate limit + JWT + Prometheus metrics).
 */
type Stack = 'bare' | 'memory' | 'uncached' | 'redis' | 'peer';
const ISSUER = 'https://bench.test';
const AUDIENCE = 'bench';
const SECRET = new Uint8Array(32).fill(9);

const ROUNDS = 3;
const DURATION_S = 3;
const CONNECTIONS = 16;

// ---------------------------------------------------------------- child: the server under test

async function serve(framework: Framework, stack: Stack): Promise<void> {
  // Our packages from src/ (the dev-source condition, as the tests and the other benches do).
  useDevSource();
  const { createSecurityContext } = await import('@portcullis/core');
  const { createMetrics } = await import('@portcullis/metrics');
  const { createMemoryRateLimitStore, createRateLimitPolicy } = await import('@portcullis/rate-limit');
  const { createKeySet, createTokenService, createMemoryRevocationStore, createMemoryRefreshTokenStore } =
    await import('@portcullis/tokens');
  const redisPkg = await import('@portcullis/redis');
  if (stack === 'peer') return servePeer(framework);

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
    keys: await createKeySet({ keys: [{ kid: 'b1', alg: 'HS256', secret: SECRET }], currentKid: 'b1' }),
    issuer: ISSUER,
    audience: AUDIENCE,
    revocationStore: redis
      ? redisPkg.createRedisRevocationStore({ client: redis, prefix: `${prefix}tok:` })
      : createMemoryRevocationStore({ warn: false }),
    refreshStore: redis
      ? redisPkg.createRedisRefreshTokenStore({ client: redis, prefix: `${prefix}tok:` })
      : createMemoryRefreshTokenStore({ warn: false }),
    // On by default (revocation is still checked per hit); `uncached` shows the stack without it.
    cache: stack === 'uncached' ? false : undefined,
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

/**
 * The stack users assemble by hand, per framework: the best-known rate limiter, JWT verifier and
 * Prometheus middleware, each with its defaults, the same HS256 key, issuer and audience checks,
 * a limit nobody reaches. The token is the same Portcullis token (`typ: at+jwt`).
 */
async function servePeer(framework: Framework): Promise<void> {
  const { createKeySet, createTokenService, createMemoryRevocationStore, createMemoryRefreshTokenStore } =
    await import('@portcullis/tokens');
  // Only to mint the same token the Portcullis stacks receive.
  const tokens = createTokenService({
    keys: await createKeySet({ keys: [{ kid: 'b1', alg: 'HS256', secret: SECRET }], currentKid: 'b1' }),
    issuer: ISSUER,
    audience: AUDIENCE,
    revocationStore: createMemoryRevocationStore({ warn: false }),
    refreshStore: createMemoryRefreshTokenStore({ warn: false }),
  });
  const token = (await tokens.issue({ subject: 'bench-user' })).access_token;
  const secret = Buffer.from(SECRET);
  const hello = { hello: 'world' };
  let port = 0;
  // The peers' own typings vary in quality; the few calls made here are typed by hand.
  const load = async <T>(name: string): Promise<T> => (await import(name)).default as T;
  if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    await app.register(await load<never>('fastify-metrics'), { endpoint: '/metrics' } as never);
    await app.register(await load<never>('@fastify/rate-limit'), {
      max: 1_000_000_000,
      timeWindow: 60_000,
    } as never);
    await app.register(await load<never>('@fastify/jwt'), {
      secret,
      verify: { algorithms: ['HS256'], allowedIss: ISSUER, allowedAud: AUDIENCE },
    } as never);
    type JwtRequest = { jwtVerify(): Promise<unknown> };
    app.get(
      '/hello',
      { onRequest: async (req: unknown) => void (await (req as JwtRequest).jwtVerify()) },
      async () => hello,
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  } else if (framework === 'hono') {
    const { Hono } = await import('hono');
    const { serve: honoServe } = await import('@hono/node-server');
    const { getConnInfo } = await import('@hono/node-server/conninfo');
    const { prometheus } = await import('@hono/prometheus');
    const { rateLimiter } = await import('hono-rate-limiter');
    const { jwt } = await import('hono/jwt');
    const app = new Hono();
    app.use('*', prometheus().registerMetrics);
    app.use(
      '*',
      rateLimiter({
        windowMs: 60_000,
        limit: 1_000_000_000,
        keyGenerator: (c) => getConnInfo(c).remote.address ?? '',
      }),
    );
    app.use(
      '/hello',
      jwt({
        secret: secret.toString('latin1'),
        alg: 'HS256',
        verification: { iss: ISSUER, aud: AUDIENCE, typ: 'at+jwt' } as never,
      }),
    );
    app.get('/hello', (c) => c.json(hello));
    port = await new Promise<number>((resolve) => {
      honoServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
    });
  } else {
    type Mw = (...args: unknown[]) => void;
    interface ExpressApp {
      use(mw: unknown): void;
      disable(setting: string): void;
      get(path: string, ...handlers: unknown[]): void;
      listen(port: number, host: string, cb: () => void): import('node:http').Server;
    }
    const express = await load<() => ExpressApp>('express');
    const promBundle = await load<(o: object) => Mw>('express-prom-bundle');
    const rateLimit = await load<(o: object) => Mw>('express-rate-limit');
    const { expressjwt } = (await import('express-jwt' as string)) as { expressjwt: (o: object) => Mw };
    const app = express();
    app.disable('x-powered-by');
    app.use(promBundle({ includeMethod: true, includePath: true }));
    app.use(
      rateLimit({ windowMs: 60_000, limit: 1_000_000_000, standardHeaders: 'draft-8', legacyHeaders: false }),
    );
    app.get(
      '/hello',
      expressjwt({ secret, algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }),
      (_req: unknown, res: { json(body: unknown): void }) => res.json(hello),
    );
    port = await new Promise<number>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
    });
  }
  process.stdout.write(`${JSON.stringify({ port, token })}\n`);
  process.on('SIGTERM', () => process.exit(0));
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
    ? ['bare', 'memory', 'uncached', 'redis', 'peer']
    : ['bare', 'memory', 'uncached', 'peer'];
  if (!process.env.REDIS_URL) console.log('REDIS_URL unset: the */full-stack-redis cases are skipped');
  const idOf = (f: Framework, s: Stack) =>
    s === 'bare'
      ? `${f}/bare`
      : s === 'peer'
        ? `${f}/peer-stack`
        : s === 'uncached'
          ? `${f}/full-stack-memory-no-token-cache`
          : `${f}/full-stack-${s}`;
  const servers = new Map<string, Server>();
  for (const f of FRAMEWORKS) for (const s of stacks) servers.set(idOf(f, s), await startServer(f, s));
  // BENCH_BASELINE_TREE=<another checkout, installed>: its stacks are measured in the same
  // interleaved rounds (`<id>@baseline`), so a change is compared with what it replaces in one run.
  const baseTree = process.env.BENCH_BASELINE_TREE;
  if (baseTree)
    // A tree from before issue 13 names its stacks by the cache: 'memory' (no cache) and
    // 'cached'; here the cache is the default ('memory') and 'uncached' turns it off.
    for (const f of FRAMEWORKS)
      for (const [ours, theirs] of [
        ['memory', 'cached'],
        ['uncached', 'memory'],
      ] as const)
        servers.set(
          `${idOf(f, ours)}@baseline`,
          await startServer(f, theirs as Stack, `${baseTree}/bench/http.ts`),
        );
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
      ...(id.endsWith('full-stack-memory')
        ? { goal: 'ratio >= 0.85 (token cache on, the default); >= 2.0x peer-stack' }
        : {}),
      ...(id.endsWith('full-stack-memory-no-token-cache')
        ? { goal: framework === 'express' ? undefined : 'ratio >= 0.6' }
        : {}),
      ...(againstBase ? { againstBaseline: againstBase } : {}),
    };
  });
  const byId = new Map(results.map((r) => [r.id, r]));
  for (const r of results) {
    const base = r.againstBaseline === undefined ? undefined : byId.get(String(r.againstBaseline));
    if (base)
      console.log(`${r.id}: ${(r.opsPerSec / base.opsPerSec).toFixed(3)}x its baseline tree (same run)`);
  }
  // Portcullis's stacks against the stack users would assemble instead, same framework, same run.
  const rps = new Map(results.map((r) => [r.id, r.opsPerSec]));
  for (const r of results) {
    const framework = r.id.split('/')[0];
    const peer = rps.get(`${framework}/peer-stack`);
    if (r.id.includes('/full-stack-') && peer)
      r.ratioVsPeerStack = Math.round((r.opsPerSec / peer) * 1000) / 1000;
  }
  report('http', withRatios(results));
}

const [mode, framework, stack] = process.argv.slice(2);
if (mode === 'serve') await serve(framework as Framework, stack as Stack);
else await main();
