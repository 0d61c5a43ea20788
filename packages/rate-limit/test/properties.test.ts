import { createManualClock, type RateLimitAlgorithm } from '@portcullis/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePathPattern,
  consumeStep,
  createMemoryRateLimitStore,
  emptyState,
  MAX_KEY_LENGTH,
  normalisePath,
  normaliseUsername,
  rateLimitKey,
  refundStep,
} from '../src/index.js';

const algorithm = fc.constantFrom<RateLimitAlgorithm>(
  'fixed-window',
  'sliding-window',
  'token-bucket',
  'gcra',
);

describe('algorithms (properties)', () => {
  it('admit at most 2x the limit per window, and (except fixed-window) at most the limit per window/limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        algorithm,
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }),
        async (alg, limit, gaps) => {
          const windowMs = 60_000;
          const clock = createManualClock(Date.UTC(2026, 0, 1));
          const store = createMemoryRateLimitStore({ clock });
          const admitted: number[] = [];
          for (const gap of gaps) {
            clock.advance(gap);
            if ((await store.consume('k', { algorithm: alg, limit, windowMs }, 1)).allowed)
              admitted.push(clock.now());
          }
          // Over any span of one window, every algorithm admits at most 2x the limit (a full
          // burst plus a window's refill). Over a span shorter than window/limit, all but the
          // fixed window admit at most the limit: that is the edge burst the default avoids.
          const span = (ms: number) => {
            let most = 0;
            for (let i = 0; i < admitted.length; i++) {
              let n = 0;
              for (let j = i; j < admitted.length && admitted[j]! - admitted[i]! < ms; j++) n++;
              most = Math.max(most, n);
            }
            return most;
          };
          expect(span(windowMs)).toBeLessThanOrEqual(2 * limit);
          if (alg !== 'fixed-window') expect(span(windowMs / limit)).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });

  it('refuses with a retry time after which the same request passes (no wrong Retry-After)', () => {
    fc.assert(
      fc.property(
        algorithm,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 40 }),
        (alg, limit, windowMs, gaps) => {
          const q = { algorithm: alg, limit, windowMs };
          let now = Date.UTC(2026, 0, 1) + 333;
          const s = emptyState();
          consumeStep(s, q, 1, now);
          for (const g of gaps) {
            now += g;
            const d = consumeStep(s, q, 1, now);
            if (!d.allowed) {
              const copy = { ...s };
              expect(consumeStep(copy, q, 1, now + d.retryAfterMs).allowed).toBe(true);
            }
          }
        },
      ),
    );
  });

  it('a consume followed by a refund leaves the remaining count unchanged', () => {
    fc.assert(
      fc.property(
        algorithm,
        fc.integer({ min: 2, max: 50 }),
        fc.integer({ min: 0, max: 10 }),
        (alg, limit, used) => {
          const q = { algorithm: alg, limit, windowMs: 60_000 };
          const now = Date.UTC(2026, 0, 1) + 1000;
          const s = emptyState();
          consumeStep(s, q, 1, now);
          for (let i = 0; i < Math.min(used, limit - 2); i++) consumeStep(s, q, 1, now);
          const before = consumeStep({ ...s }, q, 1, now).remaining;
          consumeStep(s, q, 1, now);
          refundStep(s, q, 1, now);
          expect(consumeStep(s, q, 1, now).remaining).toBe(before);
        },
      ),
    );
  });
});

describe('keys and paths (properties on attacker input)', () => {
  it('keys are bounded in length whatever the subject', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 5000 }), (subject) => {
        expect(rateLimitKey('login', 'ip', subject).length).toBeLessThanOrEqual(
          'login:ip:'.length + MAX_KEY_LENGTH,
        );
      }),
    );
  });

  it('username normalisation is idempotent and never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (u) => {
        const n = normaliseUsername(u);
        expect(normaliseUsername(n)).toBe(n);
      }),
    );
  });

  it('path normalisation never throws, and a login path stays the login path under any spelling', () => {
    const login = compilePathPattern('/auth/login');
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.constantFrom('', '/', '//', '?a=1', '#x'),
        fc.boolean(),
        (junk, suffix, upper) => {
          normalisePath(junk);
          const p = `${upper ? '/AUTH' : '//auth'}/login${suffix}`;
          expect(login(normalisePath(p))).toBe(true);
        },
      ),
    );
  });

  it('matches :param segments and trailing wildcards', () => {
    const user = compilePathPattern('/users/:id');
    expect(user('/users/42')).toBe(true);
    // Fastify routes `/users/` (canonical `/users`) to `/users/:id`: counted under the rule.
    expect(user('/users')).toBe(true);
    expect(compilePathPattern('/users/:id/posts')('/users/posts')).toBe(false);
    expect(user('/users/42/x')).toBe(false);
    const api = compilePathPattern('/api/*');
    expect(api('/api')).toBe(true);
    expect(api('/api/a/b')).toBe(true);
    expect(api('/apix')).toBe(false);
    expect(compilePathPattern('/')('/')).toBe(true);
    expect(compilePathPattern('/a.b')('/aXb')).toBe(false);
  });
});
