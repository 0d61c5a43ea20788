import { attachModuleKit, type ModuleKitCarrier } from '@portcullis/core';
import { createRateLimitPolicy } from './policy.js';

/**
 * What `@portcullis/http` needs from this module to compile a rule table given to the one-call
 * `portcullis({ rateLimit: LOGIN_HEALTH_DEFAULT_ZONES })`, carried by the preset tables (core's module kit).
 * A policy needs no kit: its `check` is the whole contract.
 */
export interface RateLimitKit {
  readonly createRateLimitPolicy: typeof createRateLimitPolicy;
}

/** The kit itself, exported as `moduleKit` (loaded by name for an instance the app wrote itself). */
export const RATE_LIMIT_KIT: RateLimitKit = Object.freeze({ createRateLimitPolicy });

/**
 * Makes a rule table carry the rate-limit kit (a spread such as `{ ...LOGIN_HEALTH_DEFAULT_ZONES, rules }`
 * keeps it). Use it on rule tables you give to the one-call entry.
 *
 * @example
 * ```ts
 * const ZONES = rateLimitRules({ rules: [{ id: 'api', path: '/api/*', limit: 60, windowMs: 60_000 }], defaultRule });
 * portcullis({ context, rateLimit: ZONES });
 * ```
 */
export function rateLimitRules<T extends object>(table: T): T & ModuleKitCarrier<RateLimitKit> {
  return attachModuleKit(table, RATE_LIMIT_KIT);
}
