import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  checkOptions,
  createCircuitBreaker,
  createClientAddressResolver,
  createEventBus,
  createMemoryTtlStore,
  createSecurityContext,
  nearestName,
  requireOption,
} from '../src/index.js';

/** Calls `fn` and returns the ConfigError it throws (fails the test when it throws nothing else). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

// Plain JavaScript callers: the options objects below are typed `any` on purpose.
// biome-ignore lint/suspicious/noExplicitAny: simulating an untyped caller.
const untyped = (value: unknown): any => value;

describe('checkOptions', () => {
  const known = { rateLimit: true, store: true, metrics: true } as const;

  it('names an unknown key and the nearest valid one', () => {
    const err = configErrorOf(() => checkOptions('portcullis', { rateLimits: {} }, known));
    expect(err.code).toBe('ERR_CONFIG_INVALID');
    expect(err.option).toBe('rateLimits');
    expect(err.suggestion).toBe('rateLimit');
    expect(err.message).toContain('portcullis: unknown option "rateLimits"; did you mean "rateLimit"?');
  });

  it('suggests for a truncated key (stor → store)', () => {
    expect(configErrorOf(() => checkOptions('x', { stor: 1 }, known)).suggestion).toBe('store');
  });

  it('lists the valid keys when nothing is close', () => {
    const err = configErrorOf(() => checkOptions('x', { banana: 1 }, known));
    expect(err.suggestion).toBeUndefined();
    expect(err.detail).toContain('valid options are rateLimit, store, metrics');
  });

  it('accepts known keys, keys set to undefined and an absent object', () => {
    expect(() => checkOptions('x', { store: 1, metrics: undefined }, known)).not.toThrow();
    expect(() => checkOptions('x', undefined, known)).not.toThrow();
  });

  it('refuses a non-object without echoing its value', () => {
    const err = configErrorOf(() => checkOptions('x', 'hunter2-secret', known));
    expect(err.detail).toBe('x: options must be an object, got a string');
    expect(configErrorOf(() => checkOptions('x', null, known)).detail).toContain('got null');
    expect(configErrorOf(() => checkOptions('x', [], known)).detail).toContain('got an array');
  });

  it('bounds a hostile key in the message', () => {
    const err = configErrorOf(() => checkOptions('x', { ['k'.repeat(10_000)]: 1 }, known));
    expect(err.message.length).toBeLessThan(300);
  });

  it('ignores inherited keys (a class instance or Object.create prototype chain)', () => {
    const options = Object.create({ inherited: true }) as Record<string, unknown>;
    options.store = 1;
    expect(() => checkOptions('x', options, known)).not.toThrow();
  });
});

describe('nearestName', () => {
  it('is case-insensitive and refuses far names', () => {
    expect(nearestName('defaultrule', ['rules', 'defaultRule'])).toBe('defaultRule');
    expect(nearestName('windowMS', ['limit', 'windowMs'])).toBe('windowMs');
    expect(nearestName('nsit', ['composition', 'nist'])).toBe('nist');
    expect(nearestName('zzz', ['limit', 'windowMs'])).toBeUndefined();
  });
});

describe('requireOption', () => {
  it('names the missing key and the fix', () => {
    const err = configErrorOf(() => requireOption('createThing', {}, 'store', 'pass a store'));
    expect(err.option).toBe('store');
    expect(err.detail).toBe('createThing: option "store" is required: pass a store');
  });
});

describe('core factories check their options at creation', () => {
  it.each([
    [
      'createSecurityContext',
      () => createSecurityContext(untyped({ trustProxi: ['loopback'] })),
      'trustProxy',
    ],
    [
      'createClientAddressResolver',
      () => createClientAddressResolver(untyped({ proxyheader: 'forwarded' })),
      'proxyHeader',
    ],
    ['createEventBus', () => createEventBus(untyped({ onError: () => {} })), 'onListenerError'],
    ['createMemoryTtlStore', () => createMemoryTtlStore(untyped({ max: 10, ttl: 5 })), 'ttlMs'],
    ['createCircuitBreaker', () => createCircuitBreaker(untyped({ threshold: 3 })), 'failureThreshold'],
  ])('%s', (name, create, suggestion) => {
    const err = configErrorOf(create);
    expect(err.detail).toContain(`${name}: unknown option`);
    expect(err.suggestion).toBe(suggestion);
  });
});
