import { createEventBus, createManualClock, type SecurityEvent } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createLoginGuard, createMemoryRateLimitStore } from '../src/index.js';

function setup(options: Parameters<typeof createLoginGuard>[0] = {}) {
  const clock = createManualClock();
  const events = createEventBus({ clock });
  const seen: SecurityEvent[] = [];
  events.subscribe((e) => {
    seen.push(e);
  });
  const slept: number[] = [];
  const store = createMemoryRateLimitStore({ clock });
  const guard = createLoginGuard({
    clock,
    events,
    store,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...options,
  });
  const from = (remoteAddress: string) => ({ remoteAddress, headers: {} });
  return { clock, seen, slept, guard, from };
}

describe('createLoginGuard', () => {
  it('refuses the 6th consecutive failure for one username and address', async () => {
    const { guard, from } = setup({ slowLane: false });
    const out: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await guard.attempt({ username: 'alice', client: from('192.0.2.1') });
      out.push(a.allowed);
      if (a.allowed) await a.failed();
    }
    expect(out).toEqual([true, true, true, true, true, false]);
  });

  it('admits exactly 5 of 50 parallel guesses (increment first, never peek)', async () => {
    const { guard, from } = setup({ slowLane: false });
    const all = await Promise.all(
      Array.from({ length: 50 }, () => guard.attempt({ username: 'alice', client: from('192.0.2.1') })),
    );
    expect(all.filter((a) => a.allowed)).toHaveLength(5);
  });

  it('resets the consecutive count on success', async () => {
    const { guard, from } = setup({ slowLane: false });
    for (let i = 0; i < 4; i++) await guard.attempt({ username: 'alice', client: from('192.0.2.1') });
    const ok = await guard.attempt({ username: 'alice', client: from('192.0.2.1') });
    await ok.succeeded();
    for (let i = 0; i < 5; i++)
      expect((await guard.attempt({ username: 'alice', client: from('192.0.2.1') })).allowed).toBe(true);
  });

  it('normalises usernames: case, width and surrounding spaces share one counter', async () => {
    const { guard, from } = setup({ slowLane: false });
    for (const u of ['Alice', ' alice', 'ALICE ', 'ａｌｉｃｅ', 'alice'])
      await guard.attempt({ username: u, client: from('192.0.2.1') });
    expect((await guard.attempt({ username: 'aLiCe', client: from('192.0.2.1') })).allowed).toBe(false);
  });

  it('limits failures per address per day across usernames (password spraying)', async () => {
    const { guard, from, clock } = setup({ slowLane: false, perIp: { limit: 10, windowMs: 86_400_000 } });
    for (let i = 0; i < 10; i++)
      expect((await guard.attempt({ username: `user${i}`, client: from('192.0.2.1') })).allowed).toBe(true);
    const refused = await guard.attempt({ username: 'user99', client: from('192.0.2.1') });
    expect(refused.allowed).toBe(false);
    expect(refused.error?.status).toBe(429);
    expect(refused.headers['RateLimit-Policy']).toBe('"login-ip";q=10;w=86400');
    clock.advance(3_600_000);
    expect((await guard.attempt({ username: 'user99', client: from('192.0.2.2') })).allowed).toBe(true);
  });

  it('successes do not count towards the per-address limit', async () => {
    const { guard, from } = setup({ slowLane: false, perIp: { limit: 3, windowMs: 86_400_000 } });
    for (let i = 0; i < 10; i++)
      await (await guard.attempt({ username: `u${i}`, client: from('192.0.2.1') })).succeeded();
    expect((await guard.attempt({ username: 'x', client: from('192.0.2.1') })).allowed).toBe(true);
  });

  it('slows the attacker’s addresses down, never the owner’s clean address (six wrong from each of two)', async () => {
    const { guard, from, slept, seen } = setup();
    const lanes: string[] = [];
    for (const ip of ['198.51.100.1', '198.51.100.2']) {
      for (let i = 0; i < 6; i++) {
        const a = await guard.attempt({ username: 'victim', client: from(ip) });
        lanes.push(a.allowed ? a.lane : 'refused');
        if (a.allowed) await a.failed();
      }
    }
    // Each address is clean for its first two tries (a typo is not an attack), then slow.
    expect(lanes).toEqual([
      ...['clean', 'clean', 'slow', 'slow', 'slow', 'refused'],
      ...['clean', 'clean', 'slow', 'slow', 'slow', 'refused'],
    ]);
    expect(slept).toEqual([500, 1000, 8000, 10_000, 10_000]);
    expect(seen.filter((e) => e.name === 'authn_login_throttled')).toHaveLength(5);
    // The owner's correct password from a fresh address is not delayed at all (was 8 s, then
    // 10 s for an hour), every time.
    for (let i = 0; i < 3; i++) {
      const owner = await guard.attempt({ username: 'victim', client: from('203.0.113.5') });
      expect(owner).toMatchObject({ allowed: true, delayMs: 0, lane: 'clean' });
      await owner.succeeded();
    }
    // A client the app vouches for (a device cookie) is never delayed, even from a dirty address.
    const known = await guard.attempt({
      username: 'victim',
      client: from('198.51.100.9'),
      trustedClient: true,
    });
    expect(known).toMatchObject({ allowed: true, delayMs: 0, lane: 'trusted' });
  });

  it('spends the per-account clean budget: fresh addresses cannot replace the delay', async () => {
    const { guard, from, slept } = setup({ slowLane: { cleanLaneFailures: 4, cleanAddressFailures: 0 } });
    const lanes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const a = await guard.attempt({ username: 'victim', client: from(`198.51.100.${i}`) });
      lanes.push(a.lane);
      await a.failed();
    }
    expect(lanes).toEqual(['clean', 'clean', 'clean', 'clean', 'slow', 'slow', 'slow', 'slow']);
    expect(slept).toEqual([1000, 2000, 4000, 8000]);
  });

  it('caps the slow-lane delay', async () => {
    const { guard, from, slept } = setup({
      slowLane: { freeAttempts: 0, baseDelayMs: 100, maxDelayMs: 300, cleanLaneFailures: 0 },
    });
    for (let i = 0; i < 5; i++) await guard.attempt({ username: 'v', client: from(`198.51.100.${i}`) });
    expect(slept).toEqual([100, 200, 300, 300, 300]);
  });

  it('does not count refused attempts against the other limits', async () => {
    const { guard, from } = setup({ slowLane: false, perIp: { limit: 7, windowMs: 86_400_000 } });
    for (let i = 0; i < 20; i++) await guard.attempt({ username: 'alice', client: from('192.0.2.1') });
    // 5 counted for alice; the 15 refused ones did not eat the per-address budget.
    expect((await guard.attempt({ username: 'bob', client: from('192.0.2.1') })).allowed).toBe(true);
    expect((await guard.attempt({ username: 'carol', client: from('192.0.2.1') })).allowed).toBe(true);
    expect((await guard.attempt({ username: 'dave', client: from('192.0.2.1') })).allowed).toBe(false);
  });

  it('fails closed by default when the store is down', async () => {
    const down = {
      consume: () => Promise.reject(new Error('down')),
      refund: () => Promise.reject(new Error('down')),
      reset: () => Promise.reject(new Error('down')),
    };
    const { guard, from } = setup({ store: down });
    await expect(guard.attempt({ username: 'a', client: from('192.0.2.1') })).rejects.toMatchObject({
      status: 503,
    });
  });
});
