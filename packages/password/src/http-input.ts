/**
 * What a password route's request means, decided here once for the three adapters: which JSON
 * body fields hold the new password and its context words, and what each outcome answers. An
 * adapter reads its framework's body and headers, calls these, and writes the answer back.
 */
import type { ClientAddressInput } from '@portcullis/core';
import { PasswordPolicyError } from './errors.js';
import type { PasswordReset, ResetConfirmResult } from './reset.js';
import type { PasswordCheckResult, PasswordValidator } from './validator.js';

/** Which JSON body fields a set/change route's policy check reads. */
export interface PasswordPolicyFields {
  /** Field holding the new password. Default `password`. */
  password?: string | undefined;
  /** Field holding the e-mail (a context word). Default `email`. */
  email?: string | undefined;
  /** Field holding the username (a context word). Default `username`. */
  username?: string | undefined;
}

/** What the adapters hand over of a request: its parsed body and `Accept-Language`. */
export interface PasswordRequestInput {
  body: unknown;
  locale?: string | undefined;
}

/** A route's answer: a body to send with its status, or a problem to send. */
export type PasswordRouteAnswer<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly error: PasswordPolicyError };

function fieldsOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Checks the new password of a set/change route: the policy result, and a 422
 * `ERR_PASSWORD_POLICY` listing every failure when it is refused.
 *
 * @example
 * ```ts
 * const { result, error } = await checkPasswordRequest(validator, { body: req.body, locale });
 * ```
 */
export async function checkPasswordRequest(
  validator: PasswordValidator,
  input: PasswordRequestInput,
  fields: PasswordPolicyFields = {},
): Promise<{ result: PasswordCheckResult; error: PasswordPolicyError | undefined }> {
  const b = fieldsOf(input.body);
  const result = await validator.validate(b[fields.password ?? 'password'] as string, {
    email: str(b[fields.email ?? 'email']),
    username: str(b[fields.username ?? 'username']),
    locale: input.locale,
  });
  return { result, error: result.ok ? undefined : new PasswordPolicyError(result.failures) };
}

/** A reset request (`{ email }`): always the same 202 answer, whether or not the account exists. */
export async function resetRequestAnswer(
  reset: PasswordReset,
  input: PasswordRequestInput & { client: ClientAddressInput },
): Promise<PasswordRouteAnswer<{ readonly message: string }>> {
  const result = await reset.request({
    email: fieldsOf(input.body).email,
    client: input.client,
    locale: input.locale,
  });
  return { ok: true, status: result.status, body: result.body };
}

/**
 * A reset confirm (`{ token, password }`): 200 `{ status: 'completed' }` (the user is not logged
 * in), or 422 with every failure while the token stays usable. A bad or used link throws
 * `ERR_PASSWORD_RESET_INVALID` (400).
 */
export async function resetConfirmAnswer(
  reset: PasswordReset,
  input: PasswordRequestInput & { client: ClientAddressInput },
): Promise<{ result: ResetConfirmResult; answer: PasswordRouteAnswer<{ readonly status: 'completed' }> }> {
  const b = fieldsOf(input.body);
  const result = await reset.confirm({
    token: b.token,
    password: b.password,
    client: input.client,
    locale: input.locale,
  });
  if (result.status === 'rejected')
    return { result, answer: { ok: false, error: new PasswordPolicyError(result.validation.failures) } };
  return { result, answer: { ok: true, status: 200, body: { status: 'completed' } } };
}
