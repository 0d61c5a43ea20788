import { checkOptions, isPortcullisError, type KnownOptions, requireMethods } from '@portcullis/core';
import type { RateLimitDecision, RateLimitPolicy } from '@portcullis/rate-limit';
import type { Context, MiddlewareHandler } from 'hono';
import { clientAddressInput, problemResponse, requestState } from './http.js';

/** Options of {@link rateLimit}. */
export interface HonoRateLimitOptions {
  /** The authenticated user id, for rules keyed by `user`. */
  userId?: ((c: Context) => string | undefined) | undefined;
  /**
   * The socket address on runtimes other than Node (on @hono/node-server it is read from the
   * bindings). Never a header: which headers to trust is the policy's `clientAddress` option.
   */
  remoteAddress?: ((c: Context) => string | undefined) | undefined;
}

/**
 * Hono middleware applying a rate-limit policy: headers on every response, 429 problem on
 * refusal, the decision in `c.get('portcullis').rateLimit`, 503 problem when the store fails
 * under a `closed` rule. Use it with `app.use('*', ...)` so unknown routes are limited too.
 *
 * @example
 * ```ts
 * app.use('*', rateLimit(createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES })));
 * ```
 */
export function rateLimit(policy: RateLimitPolicy, options: HonoRateLimitOptions = {}): MiddlewareHandler {
  requireMethods(
    'rateLimit',
    policy,
    ['check'],
    'a rate-limit policy from createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES })',
  );
  checkOptions('rateLimit', options, {
    userId: true,
    remoteAddress: true,
  } satisfies KnownOptions<HonoRateLimitOptions>);
  return async (c, next) => {
    const path = c.req.path;
    let decision: RateLimitDecision;
    try {
      decision = await policy.check({
        method: c.req.method,
        path,
        client: clientAddressInput(c, options.remoteAddress?.(c)),
        userId: options.userId?.(c),
      });
    } catch (err) {
      if (isPortcullisError(err)) return problemResponse(err, path);
      throw err;
    }
    requestState(c).rateLimit = decision;
    if (decision.error) return problemResponse(decision.error, path);
    await next();
    // After next(): the handler's response (or Hono's 404) exists now, whatever way it was built.
    for (const [name, value] of Object.entries(decision.headers)) c.res.headers.set(name, value);
    return undefined;
  };
}
