import { ConfigError } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import {
  createRedisClient,
  createRedisCluster,
  createRedisRateLimitStore,
  createRedisRefreshTokenStore,
  createRedisResetTokenStore,
  createRedisRevocationStore,
  waitForRedis,
} from '../src/index.js';

// Plain JavaScript callers: what they pass is not checked by a compiler. No server is needed:
// the checks run at creation, before any command.
// biome-ignore lint/suspicious/noExplicitAny: simulating an untyped caller.
const js = (value: unknown): any => value;

const factories: [string, (options: unknown) => unknown][] = [
  ['createRedisRateLimitStore', (o) => createRedisRateLimitStore(js(o))],
  ['createRedisRevocationStore', (o) => createRedisRevocationStore(js(o))],
  ['createRedisRefreshTokenStore', (o) => createRedisRefreshTokenStore(js(o))],
  ['createRedisResetTokenStore', (o) => createRedisResetTokenStore(js(o))],
];

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('Redis stores check their options at creation', () => {
  it.each(factories)('%s without a client names it', (name, create) => {
    const err = configErrorOf(() => create({}));
    expect(err.option).toBe('client');
    expect(err.detail).toContain(`${name}: option "client" is required`);
  });

  it.each(factories)('%s({ redis }) names the unknown key', (name, create) => {
    const err = configErrorOf(() => create({ redis: {} }));
    expect(err.option).toBe('redis');
    expect(err.detail).toContain(`${name}: unknown option "redis"`);
  });

  it.each(factories)('%s({ timeout }) suggests timeoutMs', (_, create) => {
    expect(configErrorOf(() => create({ client: {}, timeout: 5 })).suggestion).toBe('timeoutMs');
  });
});

describe('Redis clients check their arguments at creation', () => {
  it('createRedisClient({ url }) says the first argument is the URL', () => {
    const err = configErrorOf(() => createRedisClient(js({ url: 'redis://127.0.0.1:1' })));
    expect(err.detail).toContain('the first argument is the Redis URL');
  });

  it('createRedisClient and createRedisCluster name a misspelt option', () => {
    expect(
      configErrorOf(() => createRedisClient('redis://127.0.0.1:1', js({ commandTimeout: 5 }))).suggestion,
    ).toBe('commandTimeoutMs');
    expect(configErrorOf(() => createRedisCluster('127.0.0.1:1', js({ maxRedirects: 3 }))).suggestion).toBe(
      'maxRedirections',
    );
  });

  it('waitForRedis({ timeout }) suggests timeoutMs, and still takes a number', async () => {
    await expect(waitForRedis(js({}), js({ timeout: 5 }))).rejects.toThrow('did you mean "timeoutMs"?');
  });
});
