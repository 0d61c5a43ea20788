import { PortcullisError, type PortcullisErrorOptions } from '@portcullis/core';
import type { PasswordFailure } from './policy.js';

/** Codes of the errors the password module raises. Stable; listed in docs/errors.md. */
export type PasswordErrorCode =
  | 'ERR_PASSWORD_POLICY'
  | 'ERR_PASSWORD_RESET_INVALID'
  | 'ERR_PASSWORD_RESET_THROTTLED'
  | 'ERR_PASSWORD_HASH_INVALID';

/** Base of every error of this module. */
export class PasswordError extends PortcullisError<PasswordErrorCode> {
  constructor(code: PasswordErrorCode, status: number, title: string, options: PortcullisErrorOptions = {}) {
    super(code, status, title, options);
    this.name = 'PasswordError';
  }
}

/**
 * A new password broke the policy: 422 with every failure (code, params, localised message) in
 * the problem body's `failures` member, so a client can show them all at once.
 */
export class PasswordPolicyError extends PasswordError {
  /** The failures, as the validator returned them. */
  readonly failures: readonly PasswordFailure[];
  constructor(
    failures: readonly PasswordFailure[],
    options: Omit<PortcullisErrorOptions, 'extensions'> = {},
  ) {
    super('ERR_PASSWORD_POLICY', 422, 'The password does not meet the policy', {
      detail: policyDetail(failures),
      ...options,
      extensions: { failures: failures.map((f) => ({ code: f.code, params: f.params, message: f.message })) },
    });
    this.name = 'PasswordPolicyError';
    this.failures = failures;
  }
}

/** The failures' own (localised) messages, one sentence each: the fix, in the client's words. */
function policyDetail(failures: readonly PasswordFailure[]): string {
  if (failures.length === 0) return 'The password does not meet the policy.';
  return failures.map((f) => f.message).join(' ');
}

/**
 * A reset token that is malformed, unknown, expired or already used. One code and one message
 * for all four, so the answer never tells which (OWASP Forgot Password Cheat Sheet).
 */
export class ResetTokenError extends PasswordError {
  constructor(options: PortcullisErrorOptions = {}) {
    super('ERR_PASSWORD_RESET_INVALID', 400, 'The reset link is invalid or has expired', {
      detail: 'A reset link works once and for a limited time; request a new one.',
      ...options,
    });
    this.name = 'ResetTokenError';
  }
}

/** Too many reset requests from one client or for one address: 429 with `Retry-After`. */
export class ResetThrottledError extends PasswordError {
  constructor(retryAfterMs: number) {
    super('ERR_PASSWORD_RESET_THROTTLED', 429, 'Too many password reset requests', {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    });
    this.name = 'ResetThrottledError';
  }
}

/** A stored password hash that is not a PHC scrypt string this module can verify (a server-side fault: 500). */
export class PasswordHashError extends PasswordError {
  constructor(detail: string) {
    super('ERR_PASSWORD_HASH_INVALID', 500, 'Stored password hash is invalid', { detail });
    this.name = 'PasswordHashError';
  }
}
