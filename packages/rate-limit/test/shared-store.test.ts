import { createManualClock } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import {
  createLoginGuard,
  createMemoryRateLimitStore,
  createRateLimitPolicy,
  GUARD_KEY_PREFIX,
  guardKey,
  LOGIN_HEALTH_DEFAULT_ZONES,
  rateLimitKey,
} from '../src/index.js';

/**
 * Drives `POST /auth/login` the way the demo does: route policy first, then the guard, and a
 * successful login (which refunds the guard's counters). Returns the HTTP status per attempt.
 */
export async function loginsThroughSharedStore(
  store: Parameters<typeof createRateLimitPolicy>[0]['store'],
  count: number,
): Promise<number[]> {
  const clock = createManualClock();
  const policy = createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES, store, clock });
  const guard = createLoginGuard({ store, clock, slowLane: false });
  const client = { remoteAddress: '192.0.2.7', headers: {} };
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const d = await policy.check({ method: 'POST', path: '/auth/login', client });
    if (!d.allowed) {
      statuses.push(429);
      continue;
    }
    const a = await guard.attempt({ username: 'alice', client });
    if (!a.allowed) {
      statuses.push(429);
      continue;
    }
    await a.succeeded();
    statuses.push(200);
  }
  return statuses;
}

describe('policy and login guard on one store', () => {
  it('keeps the login zone counting when the guard shares its store (regression: key collision)', async () => {
    const store = createMemoryRateLimitStore({ clock: createManualClock() });
    expect(await loginsThroughSharedStore(store, 6)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('puts guard keys outside every rule id namespace, a rule named guard included', () => {
    expect(guardKey('login', 'ip', '192.0.2.7')).toBe(`${GUARD_KEY_PREFIX}login:ip:192.0.2.7`);
    for (const id of ['login', 'guard', '!guard', 'guard:login'])
      expect(rateLimitKey(id, 'ip', '192.0.2.7').startsWith(GUARD_KEY_PREFIX)).toBe(id === '!guard');
    // `!guard` is not a legal rule id, so the one colliding case above cannot be configured.
    expect(() =>
      createRateLimitPolicy({
        rules: [],
        defaultRule: { id: '!guard', limit: 1, windowMs: 1000 },
        store: createMemoryRateLimitStore(),
      }),
    ).toThrow();
  });
});
