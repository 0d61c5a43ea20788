import { checkOptions, isPortcullisError, type KnownOptions, requireMethods } from '@portcullis/core';
import type { RateLimitDecision, RateLimitPolicy } from '@portcullis/rate-limit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { clientAddressInput, requestState, routedPath, sendProblem } from './http.js';

/** Options of {@link rateLimit}. */
export interface ExpressRateLimitOptions {
  /** The authenticated user id, for rules keyed by `user` (runs after your auth middleware). */
  userId?: ((req: Request) => string | undefined) | undefined;
}

/**
 * Express middleware applying a rate-limit policy: copies the decision's headers onto every
 * response, answers a refusal with its 429 problem, and stashes the decision on
 * `req.portcullis.rateLimit`. Store failures under a `closed` rule answer 503 problem+json.
 * Mount it before the routes (`app.use`), so unknown routes and 404s are limited too.
 *
 * @example
 * ```ts
 * const policy = createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES, clientAddress: { trustProxy: ['loopback'] } });
 * app.use(rateLimit(policy));
 * ```
 */
export function rateLimit(policy: RateLimitPolicy, options: ExpressRateLimitOptions = {}): RequestHandler {
  requireMethods(
    'rateLimit',
    policy,
    ['check'],
    'a rate-limit policy from createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES })',
  );
  checkOptions('rateLimit', options, { userId: true } satisfies KnownOptions<ExpressRateLimitOptions>);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const path = routedPath(req);
    let decision: RateLimitDecision;
    try {
      decision = await policy.check({
        method: req.method,
        path,
        client: clientAddressInput(req),
        userId: options.userId?.(req),
      });
    } catch (err) {
      if (isPortcullisError(err)) sendProblem(res, err, path);
      else next(err);
      return;
    }
    requestState(req).rateLimit = decision;
    res.set(decision.headers);
    if (decision.error) {
      sendProblem(res, decision.error, path);
      return;
    }
    next();
  };
}
