/**
 * A master killed under load on a real Redis Cluster (3 masters + 3 replicas, 1 s node
 * timeout): keys on the healthy shards stay exact and never 503, keys on the dead shard follow
 * their rule's policy within the store deadline, commands to the dead shard never pile up past
 * the bound, and once the replica is promoted everything is exact again.
 */
import { isPortcullisError, type RateLimitStore } from '@portcullis/core';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedisCluster, uniquePrefix } from '../../../test-utils/redis.js';
import { createRateLimiter, type RateLimiter } from '../../rate-limit/src/index.js';
import {
  createRedisCluster,
  createRedisRateLimitStore,
  keySlot,
  type RedisClientLike,
  shardOf,
  waitForRedis,
} from '../src/index.js';

const MAX_IN_FLIGHT = 16;
// Generous, so a loaded CI machine cannot time out a healthy shard; the dead shard still fails
// well within it (a closed connection fails at once, redirections are bounded).
const TIMEOUT_MS = 1000;

describeRedisCluster('a Redis Cluster master killed under load', (cluster) => {
  let redis: Cluster;
  let store: RateLimitStore;
  const prefix = uniquePrefix('failover');
  const pendingPeak = new Map<string, number>();
  const pending = new Map<string, number>();

  beforeAll(async () => {
    redis = createRedisCluster(cluster().spec, { commandTimeoutMs: TIMEOUT_MS });
    await waitForRedis(redis);
    // Counts commands really outstanding in the client, per shard, at the moment they are sent.
    const counting: RedisClientLike = {
      isCluster: true,
      get slots() {
        return redis.slots;
      },
      evalsha: (sha, numKeys, ...rest) => {
        const shard = shardOf(redis, String(rest[0])) ?? '';
        const n = (pending.get(shard) ?? 0) + 1;
        pending.set(shard, n);
        pendingPeak.set(shard, Math.max(n, pendingPeak.get(shard) ?? 0));
        return redis
          .evalsha(sha, numKeys, ...rest)
          .finally(() => pending.set(shard, (pending.get(shard) ?? 1) - 1));
      },
      eval: (script, numKeys, ...rest) => redis.eval(script, numKeys, ...rest),
    };
    store = createRedisRateLimitStore({
      client: counting,
      prefix,
      timeoutMs: TIMEOUT_MS,
      maxInFlight: MAX_IN_FLIGHT,
    });
  });
  afterAll(() => {
    redis?.disconnect();
  });

  /** `count` fresh keys living on the shard of master `port`. */
  let serial = 0;
  const keysOn = (port: number, count: number) => {
    const out: string[] = [];
    while (out.length < count) {
      const k = `k${serial++}`;
      if (redis.slots[keySlot(prefix + k)]?.[0] === `127.0.0.1:${port}`) out.push(k);
    }
    return out;
  };
  /** 8 concurrent consumes of a fresh key under a limit of 5: how many passed, from where. */
  const burst = async (limiter: RateLimiter, key: string) => {
    const all = await Promise.all(Array.from({ length: 8 }, () => limiter.consume(key)));
    return { allowed: all.filter((d) => d.allowed).length, sources: [...new Set(all.map((d) => d.source))] };
  };

  it('isolates the dead shard, bounds its outstanding commands, and is exact again after the failover', async () => {
    const c = cluster();
    const masterPorts = [
      ...new Set(Object.values(redis.slots).map((s) => Number(s?.[0]?.split(':')[1]))),
    ].sort();
    expect(masterPorts).toHaveLength(3);
    const [dead, ...healthy] = masterPorts as [number, number, number];
    const closed = createRateLimiter({
      id: 'login',
      store,
      limit: 5,
      windowMs: 60_000,
      onStoreFailure: 'closed',
      breaker: { failureThreshold: 3, cooldownMs: 300 },
    });
    const local = createRateLimiter({
      id: 'api',
      store,
      limit: 5,
      windowMs: 60_000,
      onStoreFailure: 'local',
    });

    // Exact on every shard before.
    for (const port of masterPorts)
      expect(await burst(closed, keysOn(port, 1)[0] ?? '')).toEqual({ allowed: 5, sources: ['store'] });

    // The replica waits until the outage checks are done (no race with a 1 s failover on a
    // busy machine), then fails over on its own, as in production.
    const replica = await c.replicaOf(dead);
    await c.cli(replica, 'config', 'set', 'cluster-replica-no-failover', 'yes');

    // Background load on all three shards: 12 callers, each a decision every 10 ms (paced, so
    // the test measures the store and not a saturated 2-core machine), until stopped.
    let loading = true;
    const loadErrors = new Map<number, number>();
    const loadKeys = masterPorts.map((p) => ({ port: p, keys: keysOn(p, 20) }));
    const load = Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const { port, keys } = loadKeys[i % 3] ?? { port: 0, keys: [] };
        let j = 0;
        while (loading) {
          try {
            await closed.consume(keys[j++ % keys.length] ?? '');
          } catch (err) {
            expect(isPortcullisError(err)).toBe(true);
            loadErrors.set(port, (loadErrors.get(port) ?? 0) + 1);
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      }),
    );

    await c.kill(dead);
    const deadKeys = keysOn(dead, 40);
    // During the outage (before the replica takes over, about 1-2 s with a 1 s node timeout).
    const t0 = Date.now();
    for (let round = 0; round < 3; round++) {
      for (const port of healthy)
        expect(await burst(closed, keysOn(port, 1)[0] ?? '')).toEqual({ allowed: 5, sources: ['store'] });
      const started = performance.now();
      await expect(closed.consume(deadKeys[round] ?? '')).rejects.toMatchObject({ status: 503 });
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 250);
      expect((await local.consume(deadKeys[10 + round] ?? '')).source).toBe('local');
    }
    const outageChecksMs = Date.now() - t0;

    // The replica of the dead shard is promoted; the client follows within a few seconds.
    await c.cli(replica, 'config', 'set', 'cluster-replica-no-failover', 'no');
    const slot = keySlot(prefix + (deadKeys[20] ?? ''));
    const deadline = Date.now() + 15_000;
    for (;;) {
      const master = await c.masterOf(slot).catch(() => dead);
      if (master !== dead) break;
      if (Date.now() > deadline) throw new Error('no replica was promoted within 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (;;) {
      const d = await closed.consume(deadKeys[21] ?? '').catch(() => undefined);
      if (d?.source === 'store') break;
      if (Date.now() > deadline)
        throw new Error('the client did not get back to the promoted shard within 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    loading = false;
    await load;

    // Exact everywhere again, the promoted shard included.
    const newMaster = await c.masterOf(slot);
    for (const port of [newMaster, ...healthy])
      expect(await burst(closed, keysOn(port, 1)[0] ?? '')).toEqual({ allowed: 5, sources: ['store'] });
    expect((await local.consume(deadKeys[30] ?? '')).source).toBe('store');

    // Only the dead shard's callers ever failed; its outstanding commands stayed bounded.
    for (const port of healthy) expect(loadErrors.get(port) ?? 0).toBe(0);
    expect(loadErrors.get(dead) ?? 0).toBeGreaterThan(0);
    expect(pendingPeak.get(`127.0.0.1:${dead}`) ?? 0).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    expect(outageChecksMs).toBeLessThan(10_000);
  }, 60_000);
});
