import { isPortcullisError } from '@portcullis/core';
import { passwordKit } from '@portcullis/http';
import type { PasswordPolicyFields, PasswordReset, PasswordValidator } from '@portcullis/password';
import type { Context, Handler, MiddlewareHandler } from 'hono';
import { clientAddressInput, readJsonBody, requestState, sendProblem } from './http.js';

export type { PasswordPolicyFields } from '@portcullis/password';

/** Portcullis errors become problem+json here; anything else goes to `app.onError`. */
function fail(c: Context, err: unknown): Response {
  if (isPortcullisError(err)) return sendProblem(c, err);
  throw err;
}

const input = async (c: Context) => ({
  body: await readJsonBody(c),
  locale: c.req.header('accept-language'),
});

/**
 * Middleware checking the new password of a set/change route: 422 problem+json listing every
 * failure, in the locale of `Accept-Language`; otherwise the result is stashed in
 * `c.get('portcullis').password` and the route runs (it can read the body again).
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
  const { checkPasswordRequest } = passwordKit(validator, 'passwordValidator');
  return async (c, next) => {
    try {
      const { result, error } = await checkPasswordRequest(validator, await input(c), fields);
      requestState(c).password = result;
      if (error) return sendProblem(c, error);
    } catch (err) {
      return fail(c, err);
    }
    return next();
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
  const { resetRequestAnswer } = passwordKit(reset, 'passwordReset');
  return async (c) => {
    try {
      const answer = await resetRequestAnswer(reset, { ...(await input(c)), client: clientAddressInput(c) });
      requestState(c).passwordReset = { requested: true };
      return answer.ok ? c.json(answer.body, answer.status as 202) : sendProblem(c, answer.error);
    } catch (err) {
      return fail(c, err);
    }
  };
}

/**
 * Handler of a reset confirm (`{ token, password }`): 200 `{ status: 'completed' }` (the user
 * is not logged in), 422 with every failure, 400 for a bad or used link.
 *
 * @example
 * ```ts
 * app.post('/password/reset/confirm', passwordResetConfirm(reset));
 * ```
 */
export function passwordResetConfirm(reset: PasswordReset): Handler {
  const { resetConfirmAnswer } = passwordKit(reset, 'passwordReset');
  return async (c) => {
    try {
      const { result, answer } = await resetConfirmAnswer(reset, {
        ...(await input(c)),
        client: clientAddressInput(c),
      });
      requestState(c).passwordReset = result;
      return answer.ok ? c.json(answer.body, 200) : sendProblem(c, answer.error);
    } catch (err) {
      return fail(c, err);
    }
  };
}
