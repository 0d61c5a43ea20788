import {
  createEventBus,
  createManualClock,
  type RateLimitStore,
  type SecurityEvent,
  StoreError,
} from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import {
  createMemoryRateLimitStore,
  createRateLimiter,
  createRateLimitPolicy,
  LOGIN_HEALTH_DEFAULT_ZONES,
} from '../src/index.js';

/** A store that can be switched off, as Redis going down would. */
function flakyStore() {
  const inner = createMemoryRateLimitStore();
  let down = false;
  let calls = 0;
  const store: RateLimitStore = {
    consume: (k, q, c) => {
      calls++;
      return down ? Promise.reject(new Error('ECONNREFUSED')) : inner.consume(k, q, c);
    },
    refund: (k, q, c) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.refund(k, q, c)),
    reset: (k) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.reset(k)),
  };
  return {
    store,
    setDown: (v: boolean) => {
      down = v;
    },
    calls: () => calls,
  };
}

function setup() {
  const clock = createManualClock();
  const events = createEventBus({ clock });
  const seen: SecurityEvent[] = [];
  events.subscribe((e) => {
    seen.push(e);
  });
  const flaky = flakyStore();
  const policy = createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES, store: flaky.store, clock, events });
  const login = () =>
    policy.check({
      method: 'POST',
      path: '/auth/login',
      client: { remoteAddress: '192.0.2.1', headers: {} },
    });
  const other = () =>
    policy.check({ method: 'GET', path: '/items', client: { remoteAddress: '192.0.2.1', headers: {} } });
  return { clock, seen, flaky, policy, login, other };
}

describe('store failure policy', () => {
  it('login fails closed with a 503 StoreError while the store is down', async () => {
    const { flaky, login } = setup();
    flaky.setDown(true);
    const err = await login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).status).toBe(503);
    expect((err as StoreError).headers['Retry-After']).toBeDefined();
  });

  it('other routes fall back to a local limiter that still counts', async () => {
    const { flaky, other } = setup();
    flaky.setDown(true);
    const sources = new Set<string>();
    let allowed = 0;
    for (let i = 0; i < 130; i++) {
      const d = await other();
      sources.add(d.source);
      if (d.allowed) allowed++;
    }
    expect(sources).toEqual(new Set(['local']));
    expect(allowed).toBe(120);
  });

  it('fails open when the rule says so', async () => {
    const flaky = flakyStore();
    const limiter = createRateLimiter({
      limit: 1,
      windowMs: 1000,
      store: flaky.store,
      onStoreFailure: 'open',
    });
    flaky.setDown(true);
    const d = await limiter.consume('k');
    expect(d).toMatchObject({ allowed: true, source: 'open' });
  });

  it('opens the breaker after 3 failures, stops calling the store, emits the transitions and recovers', async () => {
    const { flaky, other, clock, seen } = setup();
    flaky.setDown(true);
    for (let i = 0; i < 10; i++) await other();
    expect(flaky.calls()).toBe(3);
    expect(seen.filter((e) => e.name === 'sys_store_unavailable')).toHaveLength(1);
    flaky.setDown(false);
    clock.advance(5_000);
    const d = await other();
    expect(d.source).toBe('store');
    expect(seen.filter((e) => e.name === 'sys_store_recovered')).toHaveLength(1);
    expect(flaky.calls()).toBe(4);
  });

  it('answers fast once the breaker is open (no store call at all)', async () => {
    const { flaky, login } = setup();
    flaky.setDown(true);
    for (let i = 0; i < 3; i++) await login().catch(() => {});
    const before = flaky.calls();
    await expect(login()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(flaky.calls()).toBe(before);
  });
});
