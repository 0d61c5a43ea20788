/**
 * Four node:cluster workers sharing one real (private) redis-server: exact counting across
 * processes, then Redis killed mid-run (answers per policy, fast, no crash), then restarted
 * (shared counting again).
 */
import cluster, { type Worker } from 'node:cluster';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeRedis,
  type RedisProcess,
  startRedisServer,
  uniquePrefix,
} from '../../../test-utils/redis.js';

interface Answer {
  status: number;
  ms: number;
  body: { pid?: number; source?: string; code?: string };
}

/** One request from a chosen loopback source address (127.0.0.0/8 is all ours on Linux). */
function hit(base: string, method: string, path: string, localAddress = '127.0.0.1'): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ms: performance.now() - t0,
          body: JSON.parse(text) as Answer['body'],
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describeRedis('rate limiting across 4 cluster workers on one Redis', () => {
  let redis: RedisProcess | undefined;
  const workers: Worker[] = [];
  const troubles: string[] = [];
  let base = '';

  beforeAll(async () => {
    redis = await startRedisServer();
    if (!redis) return;
    cluster.setupPrimary({
      exec: join(import.meta.dirname, 'rate-limit-store-cluster-worker.ts'),
      execArgv: ['--conditions=dev-source', '--disable-warning=ExperimentalWarning'],
      silent: false,
    });
    const prefix = uniquePrefix('cluster');
    const ports = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<string>((resolve, reject) => {
            const w = cluster.fork({ REDIS_URL: redis!.url, PREFIX: prefix });
            workers.push(w);
            w.on('message', (m: { type: string; detail: string }) => {
              if (m.type === 'listening') resolve(m.detail);
              else troubles.push(`${m.type}: ${m.detail}`);
            });
            w.on('exit', (code) => {
              troubles.push(`worker exited with ${code}`);
              reject(new Error(`worker exited with ${code}`));
            });
          }),
      ),
    );
    base = `http://127.0.0.1:${ports[0]}`;
  }, 30_000);

  afterAll(async () => {
    for (const w of workers) {
      w.removeAllListeners('exit');
      w.kill();
    }
    await redis?.stop();
  });

  it('admits exactly 5 of 200 concurrent logins, answers per policy while Redis is down, and recovers', async () => {
    if (!redis) return;
    // 1. Shared counting: 200 concurrent logins from one client, spread over the 4 workers.
    const logins = await Promise.all(Array.from({ length: 200 }, () => hit(base, 'POST', '/auth/login')));
    expect(logins.filter((a) => a.status === 200)).toHaveLength(5);
    expect(logins.filter((a) => a.status === 429)).toHaveLength(195);
    expect(new Set(logins.map((a) => a.body.pid)).size).toBeGreaterThan(1);

    // 2. Redis killed mid-run: login fails closed (503), the rest falls back to local counting,
    //    every answer within the store timeout plus slack, no worker crashes.
    await redis.stop();
    const during = await Promise.all([
      ...Array.from({ length: 20 }, () => hit(base, 'GET', '/items')),
      ...Array.from({ length: 20 }, () => hit(base, 'POST', '/auth/login', '127.0.0.2')),
      ...Array.from({ length: 20 }, () => hit(base, 'POST', '/auth/login')),
    ]);
    const items = during.slice(0, 20);
    const otherClient = during.slice(20, 40);
    const blockedClient = during.slice(40);
    expect(items.every((a) => a.status === 200 && a.body.source === 'local')).toBe(true);
    expect(otherClient.map((a) => a.status)).toEqual(Array(20).fill(503));
    expect(otherClient.every((a) => a.body.code?.startsWith('ERR_STORE_'))).toBe(true);
    // The client known to be over its limit is still refused, from each worker's block cache.
    expect(blockedClient.map((a) => a.status)).toEqual(Array(20).fill(429));
    expect(Math.max(...during.map((a) => a.ms))).toBeLessThan(1000);

    // 3. Redis back: the breakers close again and counting is shared again (20 of 60 on /health).
    await redis.start();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probes = await Promise.all(Array.from({ length: 8 }, () => hit(base, 'GET', '/items')));
      if (probes.every((p) => p.body.source === 'store')) break;
      if (Date.now() > deadline) throw new Error('workers did not get back to Redis within 10 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const health = await Promise.all(Array.from({ length: 60 }, () => hit(base, 'GET', '/health')));
    expect(health.filter((a) => a.status === 200)).toHaveLength(20);
    expect(health.every((a) => a.body.source === 'store' || a.status === 429)).toBe(true);

    expect(troubles).toEqual([]);
    expect(workers.every((w) => !w.isDead())).toBe(true);
  }, 30_000);
});
