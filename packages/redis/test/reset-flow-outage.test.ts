/**
 * The password-reset flow on a Redis that goes down: requests still answer 202 (nothing about
 * the account leaks), and every failed mail job is published as a store failure (metrics count
 * `sys_store_unavailable` as `portcullis_store_errors_total{store="password-reset"}`), never
 * dropped silently; once Redis is back the next job mails the link and reports the recovery.
 */
import { isPortcullisError } from '@portcullis/core';
import { expect, it } from 'vitest';
import { describeRedis, startRedisServer } from '../../../test-utils/redis.js';
import { createHarness } from '../../password/test/fixtures.js';
import { createRedisClient, createRedisResetTokenStore, waitForRedis } from '../src/index.js';

const allow = { consume: async () => ({ allowed: true }) };

describeRedis('the reset flow when its Redis store fails', () => {
  it('publishes each of 25 failed jobs as a store failure, then the recovery, and mails once back', async () => {
    const server = await startRedisServer();
    if (!server) return;
    const client = createRedisClient(server.url, { commandTimeoutMs: 200 });
    const failures: unknown[] = [];
    try {
      await waitForRedis(client);
      const h = createHarness({
        store: createRedisResetTokenStore({ client, prefix: 'outage:' }),
        perIpLimiter: allow,
        perAccountLimiter: allow,
        onBackgroundError: (e) => failures.push(e),
      });
      await server.stop();
      const answers = await Promise.all(
        Array.from({ length: 25 }, () =>
          h.reset.request({
            email: 'alice@example.com',
            client: { remoteAddress: '203.0.113.7', headers: {} },
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(25).fill(202));
      await h.reset.idle();
      expect(h.mails).toHaveLength(0);
      expect(failures).toHaveLength(25);
      expect(failures.every((e) => isPortcullisError(e) && e.code.startsWith('ERR_STORE_'))).toBe(true);
      const down = h.events.filter((e) => e.name === 'sys_store_unavailable');
      expect(down).toHaveLength(25);
      expect(down[0]).toMatchObject({
        resource: 'password-reset',
        reason: expect.stringMatching(/^ERR_STORE_/),
      });

      await server.start();
      await waitForRedis(client, 5000);
      await h.reset.request({
        email: 'alice@example.com',
        client: { remoteAddress: '203.0.113.7', headers: {} },
      });
      await h.reset.idle();
      expect(h.mails).toHaveLength(1);
      expect(h.events.filter((e) => e.name === 'sys_store_recovered')).toMatchObject([
        { resource: 'password-reset' },
      ]);
    } finally {
      client.disconnect();
      await server.stop();
    }
  }, 20_000);
});
