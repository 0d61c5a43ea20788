import { createManualClock } from '@portcullis/core';
import { runRateLimitStoreContract } from '@portcullis/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, uniquePrefix } from '../../../test-utils/redis.js';
import { createLoginGuard, createMemoryRateLimitStore } from '../../rate-limit/src/index.js';
import {
  createRedisClient,
  createRedisRateLimitStore,
  type RedisClientLike,
  waitForRedis,
} from '../src/index.js';

describeRedis('createRedisRateLimitStore against a real redis-server', (url) => {
  const redis = createRedisClient(url);
  const prefix = uniquePrefix('rate-limit-store');
  beforeAll(async () => {
    await waitForRedis(redis);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  runRateLimitStoreContract('createRedisRateLimitStore', (clock) =>
    createRedisRateLimitStore({ client: redis, prefix, clock }),
  );

  const q = { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 } as const;

  it('takes time from Redis TIME when no clock is given, and sets a TTL in the same script', async () => {
    const store = createRedisRateLimitStore({ client: redis, prefix });
    const d = await store.consume('ttl-check', q, 1);
    expect(d).toEqual({ allowed: true, remaining: 4, resetMs: expect.any(Number), retryAfterMs: 0 });
    const ttl = await redis.pttl(`${prefix}ttl-check`);
    // A sliding-window state is worth something until its last request is a window old.
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('uses one round trip per decision (one EVALSHA, nothing else)', async () => {
    const calls: string[] = [];
    const counting: RedisClientLike = {
      evalsha: (...args) => {
        calls.push('evalsha');
        return redis.evalsha(...args);
      },
      eval: (...args) => {
        calls.push('eval');
        return redis.eval(...args);
      },
    };
    const store = createRedisRateLimitStore({ client: counting, prefix });
    await store.consume('warm', q, 1);
    calls.length = 0;
    for (let i = 0; i < 10; i++) await store.consume('rt', q, 1);
    expect(calls).toEqual(Array(10).fill('evalsha'));
  });

  it('reloads its script after SCRIPT FLUSH', async () => {
    const store = createRedisRateLimitStore({ client: redis, prefix });
    await store.consume('flush', q, 1);
    await redis.script('FLUSH');
    expect((await store.consume('flush', q, 1)).remaining).toBe(3);
  });

  it('fails fast with a typed error when Redis is unreachable', async () => {
    const dead = createRedisClient('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
    const store = createRedisRateLimitStore({ client: dead, prefix, timeoutMs: 100 });
    const t0 = performance.now();
    await expect(store.consume('x', q, 1)).rejects.toBeDefined();
    expect(performance.now() - t0).toBeLessThan(1000);
    dead.disconnect();
  });

  it('login guard on Redis: 5 of 50 parallel guesses pass, a success resets the count', async () => {
    const guard = createLoginGuard({
      store: createRedisRateLimitStore({ client: redis, prefix: `${prefix}guard:` }),
      slowLane: false,
    });
    const client = { remoteAddress: '192.0.2.1', headers: {} };
    const all = await Promise.all(
      Array.from({ length: 50 }, () => guard.attempt({ username: 'Alice', client })),
    );
    expect(all.filter((a) => a.allowed)).toHaveLength(5);
    const other = await guard.attempt({ username: 'bob', client });
    await other.succeeded();
    expect((await guard.attempt({ username: ' ALICE ', client })).allowed).toBe(false);
  });

  it('decides exactly like the memory store for any sequence (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('fixed-window', 'sliding-window', 'token-bucket', 'gcra' as const),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.array(
          fc.record({
            advance: fc.integer({ min: 0, max: 40_000 }),
            cost: fc.integer({ min: 1, max: 3 }),
            refund: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 25,
          },
        ),
        async (algorithm, limit, windowMs, steps) => {
          const clock = createManualClock(Date.UTC(2026, 0, 1) + 777);
          const quota = { algorithm, limit, windowMs };
          const r = createRedisRateLimitStore({
            client: redis,
            prefix: `${prefix}prop:${Math.random()}:`,
            clock,
          });
          const m = createMemoryRateLimitStore({ clock });
          for (const step of steps) {
            clock.advance(step.advance);
            if (step.refund) {
              await r.refund('k', quota, step.cost);
              await m.refund('k', quota, step.cost);
            } else {
              expect(await r.consume('k', quota, step.cost)).toEqual(await m.consume('k', quota, step.cost));
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
