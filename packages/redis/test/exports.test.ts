import { describe, expect, it } from 'vitest';
import * as redis from '../src/index.js';

describe('@portcullis/redis public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(redis).sort()).toEqual([
      'checkRedis',
      'createRedisClient',
      'createRedisCluster',
      'createRedisRateLimitStore',
      'createRedisRefreshTokenStore',
      'createRedisResetTokenStore',
      'createRedisRevocationStore',
      'createScriptRunner',
      'defineScript',
      'keySlot',
      'parseClusterNodes',
      'runScript',
      'shardOf',
      'waitForRedis',
    ]);
  });
});
