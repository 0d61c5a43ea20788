import { isPortcullisError, jsonBodyError } from '@portcullis/core';
import { passwordKit } from '@portcullis/http';
import type { PasswordPolicyFields, PasswordReset, PasswordValidator } from '@portcullis/password';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientAddressInput, requestState, sendProblem } from './http.js';

export type { PasswordPolicyFields } from '@portcullis/password';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

function path(request: FastifyRequest): string | undefined {
  return request.url.split('?')[0];
}

/** Portcullis errors become problem+json here; anything else goes to Fastify's error handler. */
function fail(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  if (isPortcullisError(err)) return sendProblem(reply, err, path(request));
  throw err;
}

/** The JSON body and locale; a body of another media type is a 415 (core's `jsonBodyError`). */
const input = (request: FastifyRequest) => {
  const wrongType = jsonBodyError(request.headers['content-type'], request.body !== undefined);
  if (wrongType) throw wrongType;
  return { body: request.body, locale: request.headers['accept-language'] };
};

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
  const { checkPasswordRequest } = passwordKit(validator, 'passwordValidator');
  return async (request, reply) => {
    try {
      const { result, error } = await checkPasswordRequest(validator, input(request), fields);
      requestState(request).password = result;
      if (error) return sendProblem(reply, error, path(request));
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
  const { resetRequestAnswer } = passwordKit(reset, 'passwordReset');
  return async (request, reply) => {
    try {
      const answer = await resetRequestAnswer(reset, {
        ...input(request),
        client: clientAddressInput(request),
      });
      requestState(request).passwordReset = { requested: true };
      return answer.ok
        ? reply.code(answer.status).send(answer.body)
        : sendProblem(reply, answer.error, path(request));
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
  const { resetConfirmAnswer } = passwordKit(reset, 'passwordReset');
  return async (request, reply) => {
    try {
      const { result, answer } = await resetConfirmAnswer(reset, {
        ...input(request),
        client: clientAddressInput(request),
      });
      requestState(request).passwordReset = result;
      return answer.ok
        ? reply.code(answer.status).send(answer.body)
        : sendProblem(reply, answer.error, path(request));
    } catch (err) {
      return fail(request, reply, err);
    }
  };
}
