/**
 * The pending-registration stores behind the demo's oracle-free sign-up: a link is single use
 * and expires, in memory (manual clock) and in Redis (real server).
 */
import { createManualClock } from '@portcullis/core';
import type { MailMessage } from '@portcullis/password';
import { createRedisClient, waitForRedis } from '@portcullis/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, uniquePrefix } from '../../test-utils/redis.ts';
import {
  createMemoryPendingStore,
  createRedisPendingStore,
  createRegistrations,
  type PendingStore,
} from '../src/registration.ts';
import { createMemoryUsers } from '../src/users.ts';

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

describe('sign-up mails', () => {
  it('mail one address 3 times an hour at most, however many sign-ups name it (same 202 to the client)', async () => {
    const clock = createManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const sent: MailMessage[] = [];
    const registrations = createRegistrations({
      users: createMemoryUsers(),
      mailer: { send: async (m) => void sent.push(m) },
      store: createMemoryPendingStore(clock),
      publicUrl: 'http://demo.test',
      clock,
    });
    for (let i = 0; i < 30; i++)
      registrations.request({
        username: `u${i}`,
        email: i % 2 ? 'Victim@Example.test' : 'victim@example.test ',
        passwordHash: 'x',
      });
    await registrations.idle();
    expect(sent).toHaveLength(3);
    clock.advance(60 * 60_000);
    registrations.request({ username: 'later', email: 'victim@example.test', passwordHash: 'x' });
    await registrations.idle();
    expect(sent).toHaveLength(4);
  });
});
