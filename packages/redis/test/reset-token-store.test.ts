import { shardTag, taggedSelector } from '@portcullis/core';
import { createRedisClient, waitForRedis } from '@portcullis/redis';
import { runResetTokenStoreContract } from '@portcullis/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, uniquePrefix } from '../../../test-utils/redis.js';
import { createRedisResetTokenStore } from '../src/reset-token-store.js';

describeRedis('createRedisResetTokenStore', (url) => {
  let client: Redis;
  const base = uniquePrefix('pwreset');
  let n = 0;
  beforeAll(async () => {
    client = createRedisClient(url);
    await waitForRedis(client);
  });
  afterAll(async () => {
    const keys = await client.keys(`${base}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });

  runResetTokenStoreContract('redis', () => createRedisResetTokenStore({ client, prefix: `${base}${n++}:` }));

  describe('redis specifics', () => {
    it('stores only the record (verifier hash), with the TTL on the key', async () => {
      const prefix = `${base}ttl:`;
      const store = createRedisResetTokenStore({ client, prefix });
      const sel = taggedSelector('u1', 'sel');
      await store.save(sel, { userId: 'u1', verifierHash: 'ab'.repeat(32), expiresAt: 1 }, 60_000);
      const key = `${prefix}{${shardTag('u1')}}t:${sel}`;
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(59_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await client.exists(`${prefix}{${shardTag('u1')}}u:u1`)).toBe(1);
      expect(JSON.parse((await client.get(key)) ?? '')).toEqual({
        userId: 'u1',
        verifierHash: 'ab'.repeat(32),
        expiresAt: 1,
      });
    });

    it('lets one of two clients win a concurrent take (two connections)', async () => {
      const other = createRedisClient(url);
      await waitForRedis(other);
      try {
        const prefix = `${base}race:`;
        const a = createRedisResetTokenStore({ client, prefix });
        const b = createRedisResetTokenStore({ client: other, prefix });
        for (let i = 0; i < 20; i++) {
          const sel = taggedSelector('u', `s${i}`);
          await a.save(sel, { userId: 'u', verifierHash: 'ab', expiresAt: 1 }, 60_000);
          const [x, y] = await Promise.all([a.take(sel), b.take(sel)]);
          expect([x, y].filter((r) => r !== undefined)).toHaveLength(1);
        }
      } finally {
        other.disconnect();
      }
    });

    it('reports a corrupt record as ERR_STORE_UNAVAILABLE rather than a crash', async () => {
      const prefix = `${base}bad:`;
      const sel = taggedSelector('u1', 'sel');
      await client.set(`${prefix}{${shardTag('u1')}}t:${sel}`, 'not json', 'PX', 60_000);
      await expect(createRedisResetTokenStore({ client, prefix }).peek(sel)).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
      });
    });

    it('refuses a selector without its user tag, and a prefix with braces, with a ConfigError', async () => {
      const store = createRedisResetTokenStore({ client, prefix: `${base}tags:` });
      await expect(
        store.save('untagged-selector', { userId: 'u1', verifierHash: 'ab', expiresAt: 1 }, 60_000),
      ).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringContaining('shardTag(userId)'),
      });
      expect(() => createRedisResetTokenStore({ client, prefix: 'app{x}:' })).toThrow(/must not contain/);
    });
  });
});
