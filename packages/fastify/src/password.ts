import { isPortcullisError } from '@portcullis/core';
import { PasswordPolicyError, type PasswordReset, type PasswordValidator } from '@portcullis/password';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientAddressInput, requestState, sendProblem } from './http.js';

/** Which JSON body fields the policy hook reads. */
export interface PasswordPolicyFields {
  /** Field holding the new password. Default `password`. */
  password?: string | undefined;
  /** Field holding the e-mail (a context word). Default `email`. */
  email?: string | undefined;
  /** Field holding the username (a context word). Default `username`. */
  username?: string | undefined;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

function body(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  return typeof b === 'object' && b !== null ? (b as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function path(request: FastifyRequest): string | undefined {
  return request.url.split('?')[0];
}

/** Portcullis errors become problem+json here; anything else goes to Fastify's error handler. */
function fail(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  if (isPortcullisError(err)) return sendProblem(reply, err, path(request));
  throw err;
}

/**
 * `preHandler` hook checking the new password of a set/change route: 422 problem+json listing
 * every failure, in the locale of `Accept-Language`; otherwise the result is stashed on
 * `request.portcullis.password` and the route runs.
 *
 * @example
 * ```ts
 * app.post('/signup', { preHandler: passwordPolicy(validator) }, createAccount);
 * ```
 */
export function passwordPolicy(validator: PasswordValidator, fields: PasswordPolicyFields = {}): Handler {
  return async (request, reply) => {
    try {
      const b = body(request);
      const result = await validator.validate(b[fields.password ?? 'password'] as string, {
        email: str(b[fields.email ?? 'email']),
        username: str(b[fields.username ?? 'username']),
        locale: request.headers['accept-language'],
      });
      requestState(request).password = result;
      if (!result.ok) return sendProblem(reply, new PasswordPolicyError(result.failures), path(request));
      return undefined;
    } catch (err) {
      return fail(request, reply, err);
    }
  };
}

/**
 * Route handler of a reset request (`{ email }`): always 202 with the same body, whether or not
 * the account exists; 429 when a limiter refuses.
 *
 * @example
 * ```ts
 * app.post('/password/reset', passwordResetRequest(reset));
 * ```
 */
export function passwordResetRequest(reset: PasswordReset): Handler {
  return async (request, reply) => {
    try {
      const result = await reset.request({
        email: body(request).email,
        client: clientAddressInput(request),
        locale: request.headers['accept-language'],
      });
      requestState(request).passwordReset = { requested: true };
      return reply.code(result.status).send(result.body);
    } catch (err) {
      return fail(request, reply, err);
    }
  };
}

/**
 * Route handler of a reset confirm (`{ token, password }`): 200 `{ status: 'completed' }` (the
 * user is not logged in), 422 with every failure, 400 for a bad or used link.
 *
 * @example
 * ```ts
 * app.post('/password/reset/confirm', passwordResetConfirm(reset));
 * ```
 */
export function passwordResetConfirm(reset: PasswordReset): Handler {
  return async (request, reply) => {
    try {
      const b = body(request);
      const result = await reset.confirm({
        token: b.token,
        password: b.password,
        client: clientAddressInput(request),
        locale: request.headers['accept-language'],
      });
      requestState(request).passwordReset = result;
      if (result.status === 'rejected')
        return sendProblem(reply, new PasswordPolicyError(result.validation.failures), path(request));
      return reply.code(200).send({ status: 'completed' });
    } catch (err) {
      return fail(request, reply, err);
    }
  };
}
