import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, uniquePrefix } from '../../../../test-utils/redis.js';
import { createRedisClient, createRedisResetTokenStore, waitForRedis } from '../../../redis/src/index.js';
import { client, createHarness, NEW_PASSWORD, tokenFromMail } from '../fixtures.js';

describeRedis('password reset over the Redis store (two workers)', (url) => {
  const prefix = uniquePrefix('pwreset-flow');
  let a: ReturnType<typeof createRedisClient>;
  let b: ReturnType<typeof createRedisClient>;
  beforeAll(async () => {
    a = createRedisClient(url);
    b = createRedisClient(url);
    await Promise.all([waitForRedis(a), waitForRedis(b)]);
  });
  afterAll(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length > 0) await a.del(...keys);
    a.disconnect();
    b.disconnect();
  });

  it('lets exactly one of two workers confirm the same link at once', async () => {
    // Two flows (two "workers") sharing one Redis, one user table.
    const w1 = createHarness({ store: createRedisResetTokenStore({ client: a, prefix }) });
    const w2 = createHarness({ store: createRedisResetTokenStore({ client: b, prefix }) });
    await w1.reset.request({ email: 'alice@example.com', client });
    await w1.reset.idle();
    const token = tokenFromMail(w1.mails[0]);
    const settled = await Promise.allSettled([
      w1.reset.confirm({ token, password: NEW_PASSWORD }),
      w2.reset.confirm({ token, password: NEW_PASSWORD }),
    ]);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'ERR_PASSWORD_RESET_INVALID' });
    expect([...w1.revoked, ...w2.revoked]).toEqual(['u-alice']);
  });

  it('refuses on one worker a link voided by a newer request on another', async () => {
    const w1 = createHarness({ store: createRedisResetTokenStore({ client: a, prefix }) });
    const w2 = createHarness({ store: createRedisResetTokenStore({ client: b, prefix }) });
    await w1.reset.request({ email: 'alice@example.com', client });
    await w1.reset.idle();
    const old = tokenFromMail(w1.mails[0]);
    await w2.reset.request({ email: 'alice@example.com', client });
    await w2.reset.idle();
    await expect(w1.reset.confirm({ token: old, password: NEW_PASSWORD })).rejects.toMatchObject({
      code: 'ERR_PASSWORD_RESET_INVALID',
    });
    expect(
      (await w1.reset.confirm({ token: tokenFromMail(w2.mails[0]), password: NEW_PASSWORD })).status,
    ).toBe('completed');
  });
});
