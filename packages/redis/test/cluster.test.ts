/**
 * Every Redis store against a real Redis Cluster (3 masters + 3 replicas on loopback): the
 * published conformance suites with thousands of distinct owners, so keys land on every shard;
 * the key -> slot function against CLUSTER KEYSLOT; the start-up checks.
 */
import { createManualClock, shardTag } from '@portcullis/core';
import {
  refreshStoreContract,
  revocationStoreContract,
  runRateLimitStoreContract,
  runResetTokenStoreContract,
} from '@portcullis/testing';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedisCluster, redisUrl, uniquePrefix } from '../../../test-utils/redis.js';
import { createKeySet, createTokenService, generateSigningKey } from '../../tokens/src/index.js';
import {
  createRedisClient,
  createRedisCluster,
  createRedisRateLimitStore,
  createRedisRefreshTokenStore,
  createRedisResetTokenStore,
  createRedisRevocationStore,
  keySlot,
  waitForRedis,
} from '../src/index.js';

const MANY = 3000;
// Correctness, not latency: a generous deadline so a loaded CI machine cannot fail a contract.
const timeoutMs = 2000;

describeRedisCluster('Redis stores on a real Redis Cluster (3 masters + 3 replicas)', (cluster) => {
  let redis: Cluster;
  const prefix = uniquePrefix('cluster');
  let n = 0;
  beforeAll(async () => {
    redis = createRedisCluster(cluster().spec, { commandTimeoutMs: timeoutMs });
    await waitForRedis(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
  });

  runRateLimitStoreContract(
    'createRedisRateLimitStore on a cluster',
    (clock) => createRedisRateLimitStore({ client: redis, prefix: `${prefix}rl${n++}:`, clock, timeoutMs }),
    { keys: MANY },
  );
  revocationStoreContract(
    'createRedisRevocationStore on a cluster',
    async () => {
      const clock = createManualClock(Date.now());
      return {
        store: createRedisRevocationStore({ client: redis, prefix: `${prefix}tok:`, clock, timeoutMs }),
        clock,
      };
    },
    { subjects: MANY },
  );
  refreshStoreContract(
    'createRedisRefreshTokenStore on a cluster',
    async () => {
      const clock = createManualClock(Date.now());
      return {
        store: createRedisRefreshTokenStore({ client: redis, prefix: `${prefix}tok:`, clock, timeoutMs }),
        clock,
      };
    },
    { families: MANY },
  );
  runResetTokenStoreContract(
    'createRedisResetTokenStore on a cluster',
    () => createRedisResetTokenStore({ client: redis, prefix: `${prefix}pw${n++}:`, timeoutMs }),
    { users: MANY },
  );

  it('spread the keys of those thousands of owners over all 3 masters, none holding over half', async () => {
    const masters = redis.nodes('master');
    expect(masters).toHaveLength(3);
    const sizes = await Promise.all(masters.map(async (m) => Number(await m.dbsize())));
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(3 * MANY);
    for (const s of sizes) expect(s / total).toBeGreaterThan(0.2);
  });

  it('computes the slot of a key exactly as CLUSTER KEYSLOT does (tags, braces, UTF-8)', async () => {
    const keys = [
      'plain',
      `${prefix}{${shardTag('u1')}}su:u1`,
      'a{}b',
      '{}{x}',
      'x{y',
      '}{z}',
      'café{é}',
      ...Array.from({ length: 100 }, (_, i) => `${prefix}${i}:${'é'.repeat(i % 3)}{${i % 7 === 0 ? '' : i}}`),
    ];
    for (const key of keys) expect(keySlot(key), key).toBe(Number(await redis.cluster('KEYSLOT', key)));
  });

  it('issues, verifies, revokes and rotates tokens end to end through the token service', async () => {
    const keys = await createKeySet({ currentKid: 'k', keys: [await generateSigningKey('EdDSA', 'k')] });
    const p = `${prefix}svc:`;
    const tokens = createTokenService({
      keys,
      issuer: 'https://i.example',
      audience: 'api',
      revocationStore: createRedisRevocationStore({ client: redis, prefix: p }),
      refreshStore: createRedisRefreshTokenStore({ client: redis, prefix: p }),
    });
    const pairs = await Promise.all(
      Array.from({ length: 30 }, (_, i) => tokens.issue({ subject: `user-${i}` })),
    );
    for (const pair of pairs) expect((await tokens.verify(pair.access_token)).sub).toMatch(/^user-/);
    const next = await Promise.all(pairs.map((pair) => tokens.refresh(pair.refresh_token)));
    await Promise.all(next.slice(0, 10).map((pair) => tokens.revoke(pair.access_token)));
    await tokens.revokeAll('user-29');
    const verdicts = await Promise.all(
      next.map((pair) =>
        tokens.verify(pair.access_token).then(
          () => 'ok',
          (e: { code: string }) => e.code,
        ),
      ),
    );
    expect(verdicts).toEqual([
      ...Array(10).fill('ERR_TOKEN_REVOKED'),
      ...Array(19).fill('ok'),
      'ERR_TOKEN_REVOKED',
    ]);
    await expect(tokens.refresh(pairs[5]?.refresh_token ?? '')).rejects.toMatchObject({
      code: 'ERR_TOKEN_REVOKED',
    });
  });

  it('refuses at start-up a standalone client pointed at a cluster node', async () => {
    const wrong = createRedisClient(`redis://${cluster().nodes[0]}`);
    try {
      await expect(waitForRedis(wrong)).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringContaining('createRedisCluster'),
      });
    } finally {
      wrong.disconnect();
    }
  });

  it('refuses at start-up a cluster client pointed at a standalone Redis', async () => {
    const url = redisUrl();
    if (!url) return;
    const wrong = createRedisCluster(url.replace(/^redis:\/\//, ''));
    try {
      await expect(waitForRedis(wrong, 3000)).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringContaining('createRedisClient'),
      });
    } finally {
      wrong.disconnect();
    }
  });

  it('refuses unusable settings with a ConfigError before connecting', () => {
    expect(() => createRedisCluster([])).toThrow(/at least one node/);
    expect(() => createRedisCluster('localhost')).toThrow(/not a host:port/);
    expect(() => createRedisCluster('h:70000')).toThrow(/not a host:port/);
    expect(() => createRedisRateLimitStore({ client: redis, prefix: 'app:{rl}:' })).toThrow(
      /must not contain/,
    );
  });
});
