import { rateLimitRules } from './kit.js';
import type { RateLimitRules } from './policy.js';

/**
 * A starting rule table for a JSON API with a login route: `POST /auth/login` 5 per minute,
 * `GET /health` 20 per minute, every other request 120 per minute, per client address. Login
 * fails closed when the store is down (failing open would hand out unlimited password guesses);
 * the others fall back to a local limiter. Spread it into `createRateLimitPolicy` (or give it to
 * `portcullis({ rateLimit })`) and override what you need.
 *
 * @example
 * ```ts
 * const policy = createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES, store });
 * ```
 */
export const LOGIN_HEALTH_DEFAULT_ZONES: RateLimitRules = Object.freeze(
  rateLimitRules({
    rules: Object.freeze([
      Object.freeze({
        id: 'login',
        method: 'POST',
        path: '/auth/login',
        limit: 5,
        windowMs: 60_000,
        onStoreFailure: 'closed' as const,
      }),
      Object.freeze({ id: 'health', method: 'GET', path: '/health', limit: 20, windowMs: 60_000 }),
    ]),
    defaultRule: Object.freeze({ id: 'default', limit: 120, windowMs: 60_000 }),
  }),
);

/**
 * The same table as {@link LOGIN_HEALTH_DEFAULT_ZONES}, under its first name.
 *
 * @deprecated Renamed to {@link LOGIN_HEALTH_DEFAULT_ZONES}, which says what it holds. This alias
 * is the same object and will be removed in the next major version.
 */
export const BACKLOG_ZONES: RateLimitRules = LOGIN_HEALTH_DEFAULT_ZONES;
