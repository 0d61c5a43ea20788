import { rateLimitRules } from './kit.js';
import type { RateLimitRules } from './policy.js';

/**
 * The backlog's three zones (s1): `POST /auth/login` 5 per minute, `GET /health` 20 per
 * minute, everything else 120 per minute, per client address. Login fails closed when the
 * store is down (failing open would hand out unlimited guesses); the others fall back to a
 * local limiter. Spread it into `createRateLimitPolicy` and override what you need.
 */
export const BACKLOG_ZONES: RateLimitRules = Object.freeze(
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
