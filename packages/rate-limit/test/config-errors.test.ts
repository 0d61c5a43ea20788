import { ConfigError } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import {
  createLoginGuard,
  createMemoryRateLimitStore,
  createRateLimiter,
  createRateLimitPolicy,
  LOGIN_HEALTH_DEFAULT_ZONES,
} from '../src/index.js';

// Plain JavaScript callers: what they pass is not checked by a compiler.
// biome-ignore lint/suspicious/noExplicitAny: simulating an untyped caller.
const js = (value: unknown): any => value;

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('createRateLimitPolicy misconfiguration', () => {
  it('createRateLimitPolicy({}) names the missing rules (was a raw TypeError)', () => {
    const err = configErrorOf(() => createRateLimitPolicy(js({})));
    expect(err.option).toBe('rules');
    expect(err.detail).toContain('option "rules" is required');
  });

  it('createRateLimitPolicy() without options names the missing rules', () => {
    expect(configErrorOf(() => createRateLimitPolicy(js(undefined))).option).toBe('rules');
  });

  it('a policy without defaultRule names it and shows one (was a raw TypeError)', () => {
    const err = configErrorOf(() => createRateLimitPolicy(js({ rules: [] })));
    expect(err.option).toBe('defaultRule');
    expect(err.detail).toContain("{ id: 'default', limit: 120, windowMs: 60_000 }");
  });

  it('rules that are not an array are named', () => {
    const err = configErrorOf(() =>
      createRateLimitPolicy(js({ rules: {}, defaultRule: { id: 'd', limit: 1, windowMs: 1 } })),
    );
    expect(err.detail).toContain('rules must be an array of rules, got an object');
  });

  it('a misspelt store is not a silent memory store: "stor" suggests "store"', () => {
    const store = createMemoryRateLimitStore();
    const err = configErrorOf(() =>
      createRateLimitPolicy(js({ ...LOGIN_HEALTH_DEFAULT_ZONES, stor: store })),
    );
    expect(err.option).toBe('stor');
    expect(err.suggestion).toBe('store');
    expect(err.message).toContain('unknown option "stor"; did you mean "store"?');
  });

  it("a rule's unknown field is named, with the peer libraries' names mapped to ours", () => {
    const rule = { id: 'login', path: '/auth/login', max: 5, windowMs: 60_000 };
    const err = configErrorOf(() =>
      createRateLimitPolicy(js({ rules: [rule], defaultRule: { id: 'd', limit: 1, windowMs: 1 } })),
    );
    expect(err.detail).toBe(
      'createRateLimitPolicy: rule "login": unknown option "max"; did you mean "limit"?',
    );
    const typo = configErrorOf(() =>
      createRateLimitPolicy(js({ rules: [], defaultRule: { id: 'd', limit: 1, windowMS: 1000 } })),
    );
    expect(typo.suggestion).toBe('windowMs');
  });

  it('a rule that is not an object is named', () => {
    const err = configErrorOf(() => createRateLimitPolicy(js({ rules: [], defaultRule: 'default' })));
    expect(err.detail).toContain('defaultRule must be an object');
  });
});

describe('other rate-limit factories check their option names', () => {
  it.each([
    [
      'createRateLimiter',
      () => createRateLimiter(js({ limit: 5, windowMs: 1000, onStoreFailur: 'open' })),
      'onStoreFailure',
    ],
    [
      'createLoginGuard',
      () => createLoginGuard(js({ perUserAndIP: { limit: 5, windowMs: 1000 } })),
      'perUserAndIp',
    ],
    ['createMemoryRateLimitStore', () => createMemoryRateLimitStore(js({ maxKey: 10 })), 'maxKeys'],
  ])('%s', (name, create, suggestion) => {
    const err = configErrorOf(create);
    expect(err.detail).toContain(`${name}: unknown option`);
    expect(err.suggestion).toBe(suggestion);
  });

  it('a login guard slow lane with an unknown field is named', () => {
    const err = configErrorOf(() => createLoginGuard(js({ slowLane: { freeAttempt: 3 } })));
    expect(err.suggestion).toBe('freeAttempts');
  });
});
