import { checkOptions, isPortcullisError, requireMethods } from '@portcullis/core';
import type { RateLimitDecision, RateLimitPolicy } from '@portcullis/rate-limit';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import { clientAddressInput, requestState, sendProblem } from './http.js';

/** Options of {@link rateLimitPlugin}. */
export interface FastifyRateLimitOptions {
  /** The compiled policy (`createRateLimitPolicy`). */
  policy: RateLimitPolicy;
  /** The authenticated user id, for rules keyed by `user`. */
  userId?: ((request: FastifyRequest) => string | undefined) | undefined;
}

async function plugin(fastify: FastifyInstance, options: FastifyRateLimitOptions): Promise<void> {
  checkOptions('rateLimitPlugin', options, {
    policy: true,
    userId: true,
    // Fastify's own register options may sit beside ours.
    prefix: true,
    logLevel: true,
    logSerializers: true,
  });
  requireMethods(
    'rateLimitPlugin: policy',
    options.policy,
    ['check'],
    'a rate-limit policy from createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES })',
  );
  const { policy, userId } = options;
  // onRequest runs for every request, unknown routes and 404s included, before the body is read.
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    let decision: RateLimitDecision;
    try {
      decision = await policy.check({
        method: request.method,
        path,
        client: clientAddressInput(request),
        userId: userId?.(request),
      });
    } catch (err) {
      if (isPortcullisError(err)) return sendProblem(reply, err, path);
      throw err;
    }
    requestState(request).rateLimit = decision;
    reply.headers(decision.headers);
    if (decision.error) return sendProblem(reply, decision.error, path);
    return undefined;
  });
}

/**
 * Fastify plugin applying a rate-limit policy to every route of the instance (it is
 * encapsulation-free, so register it on the root): headers on every reply, 429 problem on
 * refusal, the decision on `request.portcullis.rateLimit`, 503 problem when the store fails
 * under a `closed` rule.
 *
 * @example
 * ```ts
 * await app.register(rateLimitPlugin, { policy: createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES }) });
 * ```
 */
export const rateLimitPlugin: FastifyPluginAsync<FastifyRateLimitOptions> = fastifyPlugin(plugin, {
  fastify: '5.x',
  name: '@portcullis/rate-limit',
});
