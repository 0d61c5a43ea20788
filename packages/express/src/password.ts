import { isPortcullisError } from '@portcullis/core';
import {
  type PasswordCheckResult,
  PasswordPolicyError,
  type PasswordReset,
  type PasswordValidator,
} from '@portcullis/password';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { clientAddressInput, requestState, sendProblem } from './http.js';

/** Which JSON body fields the policy middleware reads. */
export interface PasswordPolicyFields {
  /** Field holding the new password. Default `password`. */
  password?: string | undefined;
  /** Field holding the e-mail (a context word). Default `email`. */
  email?: string | undefined;
  /** Field holding the username (a context word). Default `username`. */
  username?: string | undefined;
}

function body(req: Request): Record<string, unknown> {
  return typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Portcullis errors become problem+json here; anything else goes to the app's error handler. */
function fail(req: Request, res: Response, next: NextFunction, err: unknown): void {
  if (isPortcullisError(err)) sendProblem(res, err, req.originalUrl.split('?')[0]);
  else next(err);
}

/**
 * Checks the new password of a set/change route (after `express.json()`): 422 problem+json
 * listing every failure, in the locale of `Accept-Language`; otherwise the result is stashed
 * on `req.portcullis.password` and the route runs.
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
  return async (req, res, next) => {
    try {
      const b = body(req);
      const result: PasswordCheckResult = await validator.validate(
        b[fields.password ?? 'password'] as string,
        {
          email: str(b[fields.email ?? 'email']),
          username: str(b[fields.username ?? 'username']),
          locale: req.headers['accept-language'],
        },
      );
      requestState(req).password = result;
      if (!result.ok) {
        sendProblem(res, new PasswordPolicyError(result.failures), req.originalUrl.split('?')[0]);
        return;
      }
      next();
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
  return async (req, res, next) => {
    try {
      const result = await reset.request({
        email: body(req).email,
        client: clientAddressInput(req),
        locale: req.headers['accept-language'],
      });
      requestState(req).passwordReset = { requested: true };
      res.status(result.status).json(result.body);
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
  return async (req, res, next) => {
    try {
      const b = body(req);
      const result = await reset.confirm({
        token: b.token,
        password: b.password,
        client: clientAddressInput(req),
        locale: req.headers['accept-language'],
      });
      requestState(req).passwordReset = result;
      if (result.status === 'rejected') {
        sendProblem(res, new PasswordPolicyError(result.validation.failures), req.originalUrl.split('?')[0]);
        return;
      }
      res.status(200).json({ status: 'completed' });
    } catch (err) {
      fail(req, res, next, err);
    }
  };
}
