import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, uniquePrefix } from '../../../test-utils/redis.js';
import {
  createRedisClient,
  createScriptRunner,
  defineScript,
  runScript,
  waitForRedis,
} from '../src/index.js';

const incrWithTtl = defineScript(`
local v = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return v`);

describeRedis('Redis scripts against a real redis-server', (url) => {
  const redis = createRedisClient(url);
  const prefix = uniquePrefix('script');
  beforeAll(async () => {
    await waitForRedis(redis);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('round-trips a script in one call and sets the TTL in the same script', async () => {
    const key = `${prefix}counter`;
    expect(await runScript(redis, incrWithTtl, [key], [60_000])).toBe(1);
    expect(await runScript(redis, incrWithTtl, [key], [60_000])).toBe(2);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('reloads the script after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const key = `${prefix}flushed`;
    await runScript(redis, incrWithTtl, [key], [1000]);
    await redis.script('FLUSH');
    expect(await runScript(redis, incrWithTtl, [key], [1000])).toBe(2);
    expect(await redis.script('EXISTS', incrWithTtl.sha)).toEqual([1]);
  });

  it('fails fast with a typed error when Redis is unreachable', async () => {
    const dead = createRedisClient('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
    const run = createScriptRunner(dead, { timeoutMs: 300 });
    await expect(run(incrWithTtl, [`${prefix}x`], [1])).rejects.toBeDefined();
    dead.disconnect();
  });
});
