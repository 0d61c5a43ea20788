import { InputError, isPortcullisError } from '@portcullis/core';
import { PasswordPolicyError, type PasswordReset, type PasswordValidator } from '@portcullis/password';
import type { Context, Handler, MiddlewareHandler } from 'hono';
import { clientAddressInput, problemResponse, requestState } from './http.js';

/** Which JSON body fields the policy middleware reads. */
export interface PasswordPolicyFields {
  /** Field holding the new password. Default `password`. */
  password?: string | undefined;
  /** Field holding the e-mail (a context word). Default `email`. */
  email?: string | undefined;
  /** Field holding the username (a context word). Default `username`. */
  username?: string | undefined;
}

/** The JSON body (Hono caches it, so the route can read it again); malformed JSON is a 400. */
async function body(c: Context): Promise<Record<string, unknown>> {
  let b: unknown;
  try {
    b = await c.req.json();
  } catch {
    throw new InputError('ERR_INPUT_INVALID', 'body must be JSON');
  }
  return typeof b === 'object' && b !== null ? (b as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Portcullis errors become problem+json here; anything else goes to `app.onError`. */
function fail(c: Context, err: unknown): Response {
  if (isPortcullisError(err)) return problemResponse(err, c.req.path);
  throw err;
}

/**
 * Middleware checking the new password of a set/change route: 422 problem+json listing every
 * failure, in the locale of `Accept-Language`; otherwise the result is stashed on
 * `c.get('portcullis').password` and the route runs.
 *
 * @example
 * ```ts
 * app.post('/signup', passwordPolicy(validator), createAccount);
 * ```
 */
export function passwordPolicy(
  validator: PasswordValidator,
  fields: PasswordPolicyFields = {},
): MiddlewareHandler {
  return async (c, next) => {
    let failed: Response | undefined;
    try {
      const b = await body(c);
      const result = await validator.validate(b[fields.password ?? 'password'] as string, {
        email: str(b[fields.email ?? 'email']),
        username: str(b[fields.username ?? 'username']),
        locale: c.req.header('accept-language'),
      });
      requestState(c).password = result;
      if (!result.ok) failed = problemResponse(new PasswordPolicyError(result.failures), c.req.path);
    } catch (err) {
      failed = fail(c, err);
    }
    if (failed) return failed;
    await next();
    return undefined;
  };
}

/**
 * Handler of a reset request (`{ email }`): always 202 with the same body, whether or not the
 * account exists; 429 when a limiter refuses.
 *
 * @example
 * ```ts
 * app.post('/password/reset', passwordResetRequest(reset));
 * ```
 */
export function passwordResetRequest(reset: PasswordReset): Handler {
  return async (c) => {
    try {
      const result = await reset.request({
        email: (await body(c)).email,
        client: clientAddressInput(c),
        locale: c.req.header('accept-language'),
      });
      requestState(c).passwordReset = { requested: true };
      return c.json(result.body, result.status);
    } catch (err) {
      return fail(c, err);
    }
  };
}

/**
 * Handler of a reset confirm (`{ token, password }`): 200 `{ status: 'completed' }` (the user is
 * not logged in), 422 with every failure, 400 for a bad or used link.
 *
 * @example
 * ```ts
 * app.post('/password/reset/confirm', passwordResetConfirm(reset));
 * ```
 */
export function passwordResetConfirm(reset: PasswordReset): Handler {
  return async (c) => {
    try {
      const b = await body(c);
      const result = await reset.confirm({
        token: b.token,
        password: b.password,
        client: clientAddressInput(c),
        locale: c.req.header('accept-language'),
      });
      requestState(c).passwordReset = result;
      if (result.status === 'rejected')
        return problemResponse(new PasswordPolicyError(result.validation.failures), c.req.path);
      return c.json({ status: 'completed' }, 200);
    } catch (err) {
      return fail(c, err);
    }
  };
}
