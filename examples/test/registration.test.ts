/**
 * The pending-registration stores behind the demo's oracle-free sign-up: a link is single use
 * and expires, in memory (manual clock) and in Redis (real server).
 */
import { createManualClock } from '@portcullis/core';
import { createRedisClient, waitForRedis } from '@portcullis/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, uniquePrefix } from '../../test-utils/redis.ts';
import { createMemoryPendingStore, createRedisPendingStore, type PendingStore } from '../src/registration.ts';

const PENDING = { username: 'erin', email: 'erin@example.test', passwordHash: '$scrypt$x' };

function singleUse(store: () => PendingStore) {
  it('hands a pending registration out once', async () => {
    await store().put('a', PENDING, 60_000);
    expect(await store().take('a')).toEqual(PENDING);
    expect(await store().take('a')).toBeUndefined();
    expect(await store().take('unknown')).toBeUndefined();
  });
}

describe('memory pending store', () => {
  const clock = createManualClock(0);
  const store = createMemoryPendingStore(clock);
  singleUse(() => store);

  it('forgets a registration once its link has expired', async () => {
    await store.put('b', PENDING, 1000);
    clock.advance(1000);
    expect(await store.take('b')).toBeUndefined();
  });
});

describeRedis('Redis pending store', (url) => {
  let redis: Redis;
  let store: PendingStore;
  beforeAll(async () => {
    redis = createRedisClient(url);
    await waitForRedis(redis);
    store = createRedisPendingStore(redis, uniquePrefix('signup'));
  });
  afterAll(() => redis?.disconnect());
  singleUse(() => store);

  it('sets the link lifetime as the key TTL', async () => {
    const prefix = uniquePrefix('signup-ttl');
    await createRedisPendingStore(redis, prefix).put('c', PENDING, 5000);
    const ttl = await redis.pttl(`${prefix}c`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
  });
});
