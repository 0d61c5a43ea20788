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

describe('password policy presets', () => {
  it("keeps 'backlog' and BACKLOG_POLICY as deprecated aliases of 'composition' / COMPOSITION_POLICY", async () => {
    const { BACKLOG_POLICY, COMPOSITION_POLICY, PASSWORD_POLICIES, resolvePolicy } = await import(
      '../src/index.js'
    );
    expect(BACKLOG_POLICY).toBe(COMPOSITION_POLICY);
    expect(resolvePolicy('backlog')).toBe(COMPOSITION_POLICY);
    expect(PASSWORD_POLICIES.composition.name).toBe('composition');
  });

  it('names an unknown preset and the nearest one', () => {
    const err = configErrorOf(() => createPasswordValidator(js({ policy: 'nsit' })));
    expect(err.detail).toBe('password policy: unknown preset "nsit"; did you mean "nist"?');
  });
});
