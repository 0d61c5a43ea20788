/**
 * Property shared by the three adapters: for random request targets (backslashes,
 * percent-encoding, dot segments, `#`, `;`, case), the rule the limiter applies is the rule of
 * the route the framework dispatches to. Each adapter serves, through `portcullis()` with
 * {@link PATH_RULES}: `POST /auth/login`, `GET /open`, `GET /users/:id`, each answering 200 with
 * `x-route: <rule id>`; the table sends raw targets and compares `x-route` with the rule named in
 * `RateLimit-Policy`.
 */
import { type RateLimitRules, rateLimitRules } from '@portcullis/rate-limit';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { rawRequest } from '../../../test-utils/proxy.ts';

export const PATH_RULES: RateLimitRules = rateLimitRules({
  rules: [
    { id: 'login', method: 'POST', path: '/auth/login', limit: 100_000, windowMs: 60_000 },
    { id: 'open', method: 'GET', path: '/open', limit: 100_000, windowMs: 60_000 },
    { id: 'users', method: 'GET', path: '/users/:id', limit: 100_000, windowMs: 60_000 },
  ],
  defaultRule: { id: 'default', limit: 100_000, windowMs: 60_000 },
});

const word = fc.constantFrom(
  'auth',
  'AUTH',
  'Auth',
  'login',
  'LOGIN',
  'Login',
  '%6Cogin',
  'l%6Fgin',
  'open',
  'OPEN',
  '%6Fpen',
  'users',
  'Users',
  '42',
  'x',
  '.',
  '..',
  '%2e',
  '%2e%2e',
  '',
  '%2F',
  '%5C',
  ';',
  'a;b',
  '%',
  '%zz',
);
const sep = fc.constantFrom('/', '/', '/', '\\', '//');
const suffix = fc.constantFrom('', '', '/', '#', '\\#', '?q=1', '#frag', ';jsessionid=1', '%23', '%3F');

/** A random request target. */
export const target = fc
  .tuple(fc.array(fc.tuple(sep, word), { minLength: 1, maxLength: 4 }), suffix)
  .map(([parts, end]) => parts.map(([s, w]) => s + w).join('') + end);

/** Registers the property against a running app. */
export function itRoutesAndLimitsAlike(name: string, url: () => string): void {
  it(`${name}: the limiter's rule is the rule of the route the framework dispatched to (property)`, async () => {
    await fc.assert(
      fc.asyncProperty(target, fc.constantFrom('GET', 'POST'), async (path, method) => {
        const r = await rawRequest(url(), method, path);
        const route = r.headers['x-route'];
        if (typeof route !== 'string') return; // not dispatched to a handler (404, 400): nothing to compare
        const policy = String(r.headers['ratelimit-policy'] ?? '');
        expect(
          policy.startsWith(`"${route}"`),
          `${method} ${path} ran ${route} but was limited as ${policy}`,
        ).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
}
