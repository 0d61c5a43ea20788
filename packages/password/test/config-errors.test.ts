import { ConfigError } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import {
  createConsoleMailer,
  createHibpBreachProvider,
  createMemoryResetLimiter,
  createMemoryResetTokenStore,
  createOfflineBreachProvider,
  createPasswordReset,
  createPasswordValidator,
  createSmtpMailer,
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

describe('password factories name a misspelt option and its nearest valid one', () => {
  it.each([
    ['createPasswordValidator', () => createPasswordValidator(js({ polcy: 'nist' })), 'policy'],
    ['createMemoryResetTokenStore', () => createMemoryResetTokenStore(js({ maxEntries: 5 })), 'max'],
    [
      'createMemoryResetLimiter',
      () => createMemoryResetLimiter(js({ limit: 5, windowMS: 1000 })),
      'windowMs',
    ],
    ['createSmtpMailer', () => createSmtpMailer(js({ transport: {}, sender: 'a@example.com' })), undefined],
    ['createConsoleMailer', () => createConsoleMailer(js({ writer: () => {} })), 'write'],
    ['createHibpBreachProvider', () => createHibpBreachProvider(js({ timeout: 5 })), 'timeoutMs'],
    ['createOfflineBreachProvider', () => createOfflineBreachProvider(js({ password: ['x'] })), 'passwords'],
  ])('%s', (name, create, suggestion) => {
    const err = configErrorOf(create);
    expect(err.detail).toContain(`${name}: unknown option`);
    expect(err.suggestion).toBe(suggestion);
  });

  it('a reset flow without its callbacks names the first missing one (was a TypeError at the first request)', () => {
    const err = configErrorOf(() =>
      createPasswordReset(
        js({ publicResetUrl: 'https://app.example/reset', findUserByEmail: async () => undefined }),
      ),
    );
    expect(err.option).toBe('findUserById');
    expect(err.detail).toContain('createPasswordReset: option "findUserById" is required');
  });

  it('a reset flow with a misspelt option names it', () => {
    const err = configErrorOf(() => createPasswordReset(js({ publicResetURL: 'https://app.example/reset' })));
    expect(err.suggestion).toBe('publicResetUrl');
  });
});
