import { createEventBus, createManualClock, shardTag } from '@portcullis/core';
import { refreshStoreContract, revocationStoreContract } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, startRedisServer, uniquePrefix } from '../../../test-utils/redis.js';
import { createKeySet, createTokenService, generateSigningKey } from '../../tokens/src/index.js';
import {
  createRedisClient,
  createRedisRefreshTokenStore,
  createRedisRevocationStore,
  waitForRedis,
} from '../src/index.js';

describeRedis('Redis token stores against a real redis-server', (url) => {
  const redis = createRedisClient(url);
  const prefix = uniquePrefix('token-stores');
  beforeAll(async () => {
    await waitForRedis(redis);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  revocationStoreContract('createRedisRevocationStore', async () => {
    const clock = createManualClock(Date.now());
    return { store: createRedisRevocationStore({ client: redis, prefix, clock }), clock };
  });
  refreshStoreContract('createRedisRefreshTokenStore', async () => {
    const clock = createManualClock(Date.now());
    return { store: createRedisRefreshTokenStore({ client: redis, prefix, clock }), clock };
  });

  it('expires a blocklist entry with the token (PX set in the same command)', async () => {
    const store = createRedisRevocationStore({ client: redis, prefix });
    await store.revokeToken('ttl-check', 'u', Date.now() + 60_000);
    const ttl = await redis.pttl(`${prefix}{${shardTag('u')}}rv:ttl-check`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('stores only the verifier hash and a sealed replay, never a token', async () => {
    const keys = await createKeySet({ currentKid: 'k', keys: [await generateSigningKey('EdDSA', 'k')] });
    const p = `${prefix}nosecret:`;
    const tokens = createTokenService({
      keys,
      issuer: 'https://i.example',
      audience: 'api',
      revocationStore: createRedisRevocationStore({ client: redis, prefix: p }),
      refreshStore: createRedisRefreshTokenStore({ client: redis, prefix: p }),
    });
    const first = await tokens.issue({ subject: 'u' });
    const second = await tokens.refresh(first.refresh_token);
    const dump: string[] = [];
    for (const key of await redis.keys(`${p}*`)) {
      if ((await redis.type(key)) === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
      else dump.push(String(await redis.get(key)));
    }
    const all = dump.join('\n');
    for (const secret of [first.refresh_token, second.refresh_token, second.access_token]) {
      expect(all).not.toContain(secret.split('.')[1]);
    }
  });

  it('sees a revocation made through one service instance from another (two workers, one Redis)', async () => {
    const keys = await createKeySet({ currentKid: 'k', keys: [await generateSigningKey('EdDSA', 'k')] });
    const p = `${prefix}shared:`;
    const make = () =>
      createTokenService({
        keys,
        issuer: 'https://i.example',
        audience: 'api',
        cache: { max: 100 },
        events: createEventBus(),
        revocationStore: createRedisRevocationStore({ client: redis, prefix: p }),
        refreshStore: createRedisRefreshTokenStore({ client: redis, prefix: p }),
      });
    const a = make();
    const b = make();
    const pair = await a.issue({ subject: 'u' });
    expect((await b.verify(pair.access_token)).sub).toBe('u');
    await a.revoke(pair.access_token);
    await expect(b.verify(pair.access_token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    const other = await a.issue({ subject: 'w' });
    await b.verify(other.access_token);
    await a.revokeAll('w');
    await expect(b.verify(other.access_token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    await expect(b.refresh(other.refresh_token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});

describe('Redis token stores when Redis goes down', () => {
  it('fails closed on verify (503) and refresh, or accepts signed tokens under fail-open', async () => {
    const server = await startRedisServer();
    if (!server) return; // no redis-server binary on this machine (never under CI)
    const client = createRedisClient(server.url, { commandTimeoutMs: 200 });
    try {
      await waitForRedis(client);
      const keys = await createKeySet({ currentKid: 'k', keys: [await generateSigningKey('EdDSA', 'k')] });
      const stores = {
        revocationStore: createRedisRevocationStore({ client, prefix: 'outage:' }),
        refreshStore: createRedisRefreshTokenStore({ client, prefix: 'outage:' }),
      };
      const closed = createTokenService({ keys, issuer: 'https://i.example', audience: 'api', ...stores });
      const open = createTokenService({
        keys,
        issuer: 'https://i.example',
        audience: 'api',
        revocationFailure: 'fail-open',
        ...stores,
      });
      const pair = await closed.issue({ subject: 'u' });
      await server.stop();
      await expect(closed.verify(pair.access_token)).rejects.toMatchObject({
        status: 503,
        code: expect.stringMatching(/^ERR_STORE_/),
      });
      await expect(closed.refresh(pair.refresh_token)).rejects.toMatchObject({ status: 503 });
      await expect(open.refresh(pair.refresh_token)).rejects.toMatchObject({ status: 503 });
      expect((await open.verify(pair.access_token)).sub).toBe('u');
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
