/**
 * Session revocation on the Redis stores, through two service instances (two workers) sharing
 * one Redis, on the cached path: reuse detection and logout reach every access token of the
 * session on the other worker at its next request.
 */
import { createEventBus, createManualClock } from '@portcullis/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, uniquePrefix } from '../../../test-utils/redis.js';
import {
  createRedisClient,
  createRedisRefreshTokenStore,
  createRedisRevocationStore,
  waitForRedis,
} from '../../redis/src/index.js';
import { createKeySet, createTokenService, generateSigningKey, type TokenService } from '../src/index.js';
import { codeOf } from './helpers.js';

describeRedis('session revocation on Redis, across two workers, cached path', (url) => {
  const redis = createRedisClient(url);
  const prefix = uniquePrefix('sessions');
  let a: TokenService;
  let b: TokenService;
  const clock = createManualClock(Date.now());
  beforeAll(async () => {
    await waitForRedis(redis);
    const keys = await createKeySet({ currentKid: 'k', keys: [await generateSigningKey('EdDSA', 'k')] });
    const make = () =>
      createTokenService({
        keys,
        issuer: 'https://i.example',
        audience: 'api',
        clock,
        events: createEventBus(),
        revocationStore: createRedisRevocationStore({ client: redis, prefix, clock }),
        refreshStore: createRedisRefreshTokenStore({ client: redis, prefix, clock }),
      });
    a = make();
    b = make();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('refresh-token reuse on one worker refuses both access tokens of the family on the other', async () => {
    const first = await a.issue({ subject: 'u' });
    const second = await a.refresh(first.refresh_token);
    const other = await a.issue({ subject: 'u' });
    for (const t of [first, second, other]) await b.verify(t.access_token); // cached on b
    clock.advance(5001); // past the grace window
    expect(await codeOf(a.refresh(first.refresh_token))).toBe('ERR_TOKEN_REUSED');
    expect(await codeOf(b.verify(first.access_token))).toBe('ERR_TOKEN_REVOKED');
    expect(await codeOf(b.verify(second.access_token))).toBe('ERR_TOKEN_REVOKED');
    expect((await b.verify(other.access_token)).sub).toBe('u');
  });

  it('logout with the newest access token on one worker refuses an earlier one on the other', async () => {
    const first = await a.issue({ subject: 'v' });
    const second = await a.refresh(first.refresh_token);
    await b.verify(first.access_token);
    await a.revoke(second.access_token);
    expect(await codeOf(b.verify(first.access_token))).toBe('ERR_TOKEN_REVOKED');
    expect(await codeOf(b.refresh(second.refresh_token))).toBe('ERR_TOKEN_REVOKED');
  });
});
