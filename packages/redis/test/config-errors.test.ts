import { ConfigError } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import {
  createRedisRateLimitStore,
  createRedisRefreshTokenStore,
  createRedisResetTokenStore,
  createRedisRevocationStore,
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
