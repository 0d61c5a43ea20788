import { isPortcullisError } from '@portcullis/core';
import { passwordKit } from '@portcullis/http';
import type { PasswordPolicyFields, PasswordReset, PasswordValidator } from '@portcullis/password';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { clientAddressInput, requestState, routedPath, sendProblem } from './http.js';

export type { PasswordPolicyFields } from '@portcullis/password';

/** Portcullis errors become problem+json here; anything else goes to the app's error handler. */
function fail(req: Request, res: Response, next: NextFunction, err: unknown): void {
  if (isPortcullisError(err)) sendProblem(res, err, routedPath(req));
  else next(err);
}

const input = (req: Request) => ({ body: req.body as unknown, locale: req.headers['accept-language'] });

/**
 * Checks the new password of a set/change route (after `express.json()`): 422 problem+json
 * listing every failure, in the locale of `Accept-Language`; otherwise the result is stashed
 * on `req.portcullis.password` and the route runs. Which body fields count is the password
 * module's `checkPasswordRequest`.
 *
 * @example
 * ```ts
 * app.post('/signup', express.json(), passwordPolicy(validator), createAccount);
 * ```
 */
export function passwordPolicy(
  validator: PasswordValidator,
  fields: PasswordPolicyFields = {},
): RequestHandler {
  const { checkPasswordRequest } = passwordKit(validator, 'passwordValidator');
  return async (req, res, next) => {
    try {
      const { result, error } = await checkPasswordRequest(validator, input(req), fields);
      requestState(req).password = result;
      if (error) sendProblem(res, error, routedPath(req));
      else next();
    } catch (err) {
      fail(req, res, next, err);
    }
  };
}

/**
 * `POST` handler of a reset request (`{ email }`): always 202 with the same body, whether or not
 * the account exists; 429 when a limiter refuses.
 *
 * @example
 * ```ts
 * app.post('/password/reset', express.json(), passwordResetRequest(reset));
 * ```
 */
export function passwordResetRequest(reset: PasswordReset): RequestHandler {
  const { resetRequestAnswer } = passwordKit(reset, 'passwordReset');
  return async (req, res, next) => {
    try {
      const answer = await resetRequestAnswer(reset, { ...input(req), client: clientAddressInput(req) });
      requestState(req).passwordReset = { requested: true };
      if (answer.ok) res.status(answer.status).json(answer.body);
    } catch (err) {
      fail(req, res, next, err);
    }
  };
}

/**
 * `POST` handler of a reset confirm (`{ token, password }`): 200 `{ status: 'completed' }`
 * (the user is not logged in), 422 with every failure, 400 for a bad or used link.
 *
 * @example
 * ```ts
 * app.post('/password/reset/confirm', express.json(), passwordResetConfirm(reset));
 * ```
 */
export function passwordResetConfirm(reset: PasswordReset): RequestHandler {
  const { resetConfirmAnswer } = passwordKit(reset, 'passwordReset');
  return async (req, res, next) => {
    try {
      const { result, answer } = await resetConfirmAnswer(reset, {
        ...input(req),
        client: clientAddressInput(req),
      });
      requestState(req).passwordReset = result;
      if (answer.ok) res.status(answer.status).json(answer.body);
      else sendProblem(res, answer.error, routedPath(req));
    } catch (err) {
      fail(req, res, next, err);
    }
  };
}
