/**
 * Rate limiting side by side (issue 3). Same rule on both sides of every comparison: 120
 * requests per 60 s, fixed window (the one algorithm all three peers implement; our default is
 * the sliding window, timed separately as memory/portcullis-sliding). Keys rotate over
 * 100,000 clients and every limiter is rebuilt per round, so every timed decision is an
 * admitted one on both sides (no side pays for refusals the other does not).
 *
 * Redis: a private redis-server started for the run (else REDIS_URL; BENCH_SHARED_REDIS=1 forces
 * the shared one), one decision awaited at a time (latency-bound, as a request handler sees it).
 * Round trips per decision are counted on the client in the same run.
 *
 * Redis Cluster: a private 3 masters + 3 replicas cluster (test-utils/redis-cluster.ts), the
 * same rule and keys through ioredis `Cluster` on both sides. Memory per key: Redis
 * `used_memory` (summed over the masters) before and after 100,000 fresh keys of a realistic
 * length, on the single node and on the cluster.
 */
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMemoryRateLimitStore, createRateLimiter, createRateLimitPolicy } from '@portcullis/rate-limit';
import {
  createRedisClient,
  createRedisCluster,
  createRedisRateLimitStore,
  waitForRedis,
} from '@portcullis/redis';
import { MemoryStore } from 'express-rate-limit';
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { startRedisCluster } from '../test-utils/redis-cluster.ts';
import { type BenchCase, type CaseResult, report, runCases, withRatios } from './lib.ts';

const LIMIT = 120;
const WINDOW_MS = 60_000;
const KEYS = 100_000;
const keys = Array.from({ length: KEYS }, (_, i) => `198.51.${(i >>> 8) & 255}.${i & 255}:${i}`);
let k = 0;
const nextKey = () => {
  k = (k + 1) % KEYS;
  return keys[k]!;
};

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// ---- memory
let ours = createRateLimiter({ algorithm: 'fixed-window', limit: LIMIT, windowMs: WINDOW_MS });
let oursSliding = ours;
let rlf = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_MS / 1000 });
let erl = new MemoryStore();
let plain = new Map<string, number>();
const memoryCases: BenchCase[] = [
  {
    // Issue 18's goal is against the faster of the two peers, express-rate-limit's store.
    id: 'memory/portcullis',
    baseline: 'memory/express-rate-limit',
    setup: () => {
      ours = createRateLimiter({
        algorithm: 'fixed-window',
        limit: LIMIT,
        windowMs: WINDOW_MS,
        store: createMemoryRateLimitStore({ maxKeys: 2 * KEYS }),
      });
    },
    fn: () => ours.consume(nextKey()),
  },
  {
    id: 'memory/rate-limiter-flexible',
    setup: () => {
      rlf = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_MS / 1000 });
    },
    fn: () => rlf.consume(nextKey()),
  },
  {
    id: 'memory/express-rate-limit',
    baseline: 'memory/rate-limiter-flexible',
    setup: () => {
      erl = new MemoryStore();
      erl.init({ windowMs: WINDOW_MS } as Parameters<MemoryStore['init']>[0]);
    },
    // The store counts; the middleware compares with the limit: both timed, nothing else.
    fn: async () => (await erl.increment(nextKey())).totalHits <= LIMIT,
    teardown: () => erl.shutdown(),
  },
  {
    // The floor: a plain Map counting in the same loop, awaited like the others (no limiter does
    // less than one lookup and one update per decision).
    id: 'memory/plain-map',
    baseline: 'memory/express-rate-limit',
    setup: () => {
      plain = new Map();
    },
    fn: async () => {
      const key = nextKey();
      const n = (plain.get(key) ?? 0) + 1;
      plain.set(key, n);
      return n <= LIMIT;
    },
  },
  {
    id: 'memory/portcullis-sliding',
    baseline: 'memory/rate-limiter-flexible',
    setup: () => {
      oursSliding = createRateLimiter({
        limit: LIMIT,
        windowMs: WINDOW_MS,
        store: createMemoryRateLimitStore({ maxKeys: 2 * KEYS }),
      });
    },
    fn: () => oursSliding.consume(nextKey()),
  },
];

// ---- redis
// A private redis-server when the binary is there: the shared one on this machine also serves
// other people's test suites, whose load would land on whichever side happens to be timed.
// Both sides use the same server either way.
async function privateRedis(): Promise<{ url: string; stop: () => void } | undefined> {
  const port = 20_000 + (process.pid % 20_000);
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const ok = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(false));
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('Ready to accept connections')) resolve(true);
    });
  });
  return ok ? { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') } : undefined;
}
const own = process.env.BENCH_SHARED_REDIS === '1' ? undefined : await privateRedis();
const url = own?.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
console.log(`redis: ${own ? 'private redis-server' : 'shared'} at ${url}`);
const redis = createRedisClient(url);
await waitForRedis(redis);
const prefix = `bench:rl:${process.pid}:`;
const oursRedis = () =>
  createRateLimiter({
    algorithm: 'fixed-window',
    limit: LIMIT,
    windowMs: WINDOW_MS,
    store: createRedisRateLimitStore({ client: redis, prefix: `${prefix}p:${Math.random()}:` }),
  });
const rlfRedis = () =>
  new RateLimiterRedis({
    storeClient: redis,
    points: LIMIT,
    duration: WINDOW_MS / 1000,
    keyPrefix: `${prefix}f:${Math.random()}`,
  });
let pr = oursRedis();
let fr = rlfRedis();
const redisCases: BenchCase[] = [
  {
    id: 'redis/portcullis',
    baseline: 'redis/rate-limiter-flexible',
    setup: () => {
      pr = oursRedis();
    },
    fn: () => pr.consume(nextKey()),
  },
  {
    id: 'redis/rate-limiter-flexible',
    setup: () => {
      fr = rlfRedis();
    },
    fn: () => fr.consume(nextKey()),
  },
];

// ---- redis cluster
const rc = await startRedisCluster();
const cluster = rc ? createRedisCluster(rc.spec) : undefined;
if (cluster) await waitForRedis(cluster);
console.log(`redis cluster: ${rc ? `private 3 + 3 at ${rc.spec}` : 'none (redis-server not installed)'}`);
const oursCluster = () =>
  createRateLimiter({
    algorithm: 'fixed-window',
    limit: LIMIT,
    windowMs: WINDOW_MS,
    store: createRedisRateLimitStore({ client: cluster as Cluster, prefix: `${prefix}p:${Math.random()}:` }),
  });
const rlfCluster = () =>
  new RateLimiterRedis({
    storeClient: cluster,
    points: LIMIT,
    duration: WINDOW_MS / 1000,
    keyPrefix: `${prefix}f:${Math.random()}`,
  });
let pc: ReturnType<typeof oursCluster> | undefined;
let fc: RateLimiterRedis | undefined;
const clusterCases: BenchCase[] = cluster
  ? [
      {
        id: 'redis-cluster/portcullis',
        baseline: 'redis-cluster/rate-limiter-flexible',
        setup: () => {
          pc = oursCluster();
        },
        fn: () => (pc ?? oursCluster()).consume(nextKey()),
      },
      {
        id: 'redis-cluster/rate-limiter-flexible',
        setup: () => {
          fc = rlfCluster();
        },
        fn: () => (fc ?? rlfCluster()).consume(nextKey()),
      },
    ]
  : [];

/** Redis bytes per key: used_memory over the masters before and after `n` fresh keys. */
async function redisBytesPerKey(
  client: Redis | Cluster,
  consume: (key: string) => Promise<unknown>,
  n = 100_000,
): Promise<number> {
  const nodes =
    'isCluster' in client && client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  const used = async () => {
    let total = 0;
    for (const node of nodes) total += Number(/used_memory:(\d+)/.exec(await node.info('memory'))?.[1] ?? 0);
    return total;
  };
  const before = await used();
  // A policy key: rule id and a 22-character client hash, as the rate-limit policy builds them.
  for (let i = 0; i < n; i += 500)
    await Promise.all(
      Array.from({ length: 500 }, (_, j) => consume(`api:${String(i + j).padStart(22, 'x')}`)),
    );
  return Math.round((await used()) - before) / n;
}

async function redisMemoryRows(): Promise<CaseResult[]> {
  const rows: CaseResult[] = [];
  const row = (id: string, bytesPerKey: number) =>
    rows.push({
      id,
      opsPerSec: Number.NaN,
      p50Ns: Number.NaN,
      p99Ns: Number.NaN,
      bytesPerKey: Math.round(bytesPerKey),
    });
  const targets: [string, Redis | Cluster][] = [['redis', redis]];
  if (cluster) targets.push(['redis-cluster', cluster]);
  for (const [name, client] of targets) {
    const p = createRateLimiter({
      limit: LIMIT,
      windowMs: WINDOW_MS,
      store: createRedisRateLimitStore({ client, prefix: `${prefix}mem:` }),
    });
    row(`${name}-bytes-per-key/portcullis`, await redisBytesPerKey(client, (key) => p.consume(key)));
    const f = new RateLimiterRedis({
      storeClient: client,
      points: LIMIT,
      duration: WINDOW_MS / 1000,
      keyPrefix: `${prefix}memf`,
    });
    row(
      `${name}-bytes-per-key/rate-limiter-flexible`,
      await redisBytesPerKey(client, (key) => f.consume(key)),
    );
  }
  return rows;
}

// Round trips: every command ioredis sends goes through sendCommand; decisions are awaited one
// at a time, so commands sent = round trips. Counted on the client, so other users of a shared
// Redis cannot skew it.
let sent = 0;
const sendCommand = redis.sendCommand.bind(redis);
redis.sendCommand = ((...args: Parameters<typeof sendCommand>) => {
  sent++;
  return sendCommand(...args);
}) as typeof redis.sendCommand;
async function roundTripsPerDecision(fn: () => Promise<unknown>): Promise<number> {
  const n = 1000;
  const before = sent;
  for (let i = 0; i < n; i++) await fn();
  return Math.round(((sent - before) / n) * 100) / 100;
}

// ---- Redis down: a client pointed at a closed port (connection refused, no offline queue).
const dead = createRedisClient('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
const downStore = createRedisRateLimitStore({ client: dead, prefix });
const beforeBreaker = createRateLimiter({
  limit: LIMIT,
  windowMs: WINDOW_MS,
  store: downStore,
  breaker: false,
});
const breakerOpen = createRateLimiter({
  limit: LIMIT,
  windowMs: WINDOW_MS,
  store: downStore,
  breaker: { failureThreshold: 3, cooldownMs: 3_600_000 },
});
for (let i = 0; i < 3; i++) await breakerOpen.consume('open-it');
const downCases: BenchCase[] = [
  { id: 'redis-down/before-breaker-opens', fn: () => beforeBreaker.consume(nextKey()) },
  {
    id: 'redis-down/breaker-open',
    baseline: 'redis-down/before-breaker-opens',
    fn: () => breakerOpen.consume(nextKey()),
  },
];

/**
 * Memory retained by `n` unique keys, after a full GC on both sides: the JS heap plus
 * ArrayBuffer memory (typed-array columns live outside the heap; ours holds its states there).
 */
async function heapFor(
  n: number,
  consume: (key: string) => Promise<unknown>,
): Promise<{ bytes: number; perSec: number }> {
  // ArrayBuffer memory is released after the collection of its owner, not during it: settle
  // twice around a pause so the previous row's stores are gone before the first reading.
  const settled = async () => {
    gc();
    await new Promise((r) => setTimeout(r, 100));
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = await settled();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await consume(`k${i}:${(i * 2654435761) >>> 0}`).catch(() => {});
  const seconds = (performance.now() - t0) / 1000;
  return { bytes: (await settled()) - before, perSec: Math.round(n / seconds) };
}

async function memoryRows(): Promise<CaseResult[]> {
  const M = 1_000_000;
  const rows: CaseResult[] = [];
  const add = (id: string, r: { bytes: number; perSec: number }, extra: Record<string, unknown> = {}) => {
    rows.push({
      id,
      opsPerSec: r.perSec,
      p50Ns: Number.NaN,
      p99Ns: Number.NaN,
      heapMB: Math.round((r.bytes / 1048576) * 10) / 10,
      bytesPerKey: Math.round(r.bytes / M),
      ...extra,
    });
  };
  {
    const l = createRateLimiter({
      algorithm: 'fixed-window',
      limit: LIMIT,
      windowMs: WINDOW_MS,
      store: createMemoryRateLimitStore({ maxKeys: M }),
    });
    add('memory-per-1M-keys/portcullis', await heapFor(M, (key) => l.consume(key)), { maxKeys: M });
  }
  {
    const l = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_MS / 1000 });
    add('memory-per-1M-keys/rate-limiter-flexible', await heapFor(M, (key) => l.consume(key)));
  }
  {
    const s = new MemoryStore();
    s.init({ windowMs: WINDOW_MS } as Parameters<MemoryStore['init']>[0]);
    add('memory-per-1M-keys/express-rate-limit', await heapFor(M, (key) => s.increment(key)));
    s.shutdown();
  }
  {
    const l = createRateLimiter({ algorithm: 'fixed-window', limit: LIMIT, windowMs: WINDOW_MS });
    add('memory-1M-keys-default-cap/portcullis', await heapFor(M, (key) => l.consume(key)), {
      maxKeys: 100_000,
    });
  }
  {
    // Per rate-limited client through the HTTP policy (the key it builds: rule, kind, address),
    // the figure issue 18 tracks (231 B before). 100,000 clients, well under the cap.
    const N = 100_000;
    const policy = createRateLimitPolicy({
      rules: [],
      defaultRule: { id: 'api', limit: LIMIT, windowMs: WINDOW_MS },
      store: createMemoryRateLimitStore({ maxKeys: 2 * N }),
    });
    const clients = Array.from({ length: N }, (_, i) => ({
      remoteAddress: `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`,
      headers: {},
    }));
    let i = 0;
    const r = await heapFor(N, () =>
      policy.check({ method: 'GET', path: '/users/42', client: clients[i++]! }),
    );
    // The clients are the caller's, not the store's: kept alive past the reading.
    if (clients.length !== N) throw new Error('clients lost');
    rows.push({
      id: 'memory-per-client-policy/portcullis',
      opsPerSec: r.perSec,
      p50Ns: Number.NaN,
      p99Ns: Number.NaN,
      bytesPerClient: Math.round(r.bytes / N),
    });
  }
  return rows;
}

const mem = await runCases(memoryCases);
const red = await runCases(redisCases);
for (const r of red) {
  const lim = r.id === 'redis/portcullis' ? oursRedis() : rlfRedis();
  r.redisRoundTripsPerDecision = await roundTripsPerDecision(() => lim.consume(nextKey()));
}
const clu = await runCases(clusterCases);
const down = await runCases(downCases, { durationMs: 500 });
const redisMemory = await redisMemoryRows();
const heap = await memoryRows();
report('rate-limit', withRatios([...mem, ...red, ...clu, ...down, ...redisMemory, ...heap]));

const leftovers = await redis.keys(`${prefix}*`);
for (let i = 0; i < leftovers.length; i += 1000) await redis.del(...leftovers.slice(i, i + 1000));
await redis.quit();
dead.disconnect();
own?.stop();
cluster?.disconnect();
await rc?.stop();
