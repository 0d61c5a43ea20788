/**
 * The figures docs/rate-limit.md states for the slow lane, measured by simulation on a manual
 * clock (the guard's sleep advances it, so an hour of attack runs in milliseconds).
 */
import { createManualClock } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createLoginGuard, createMemoryRateLimitStore } from '../src/index.js';

const HOUR = 3_600_000;

/**
 * A sequential attacker (waits for each answer) guessing one account for an hour from the
 * addresses `addressOf(i)` yields; returns the passwords it got checked.
 */
async function attack(addressOf: (i: number) => string, addresses: number) {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const guard = createLoginGuard({
    clock,
    store: createMemoryRateLimitStore({ clock }),
    sleep: async (ms) => clock.advance(ms),
  });
  const start = clock.now();
  let checked = 0;
  let next = 0;
  let refusedInARow = 0;
  let soonest = Number.POSITIVE_INFINITY;
  let totalDelayMs = 0;
  const ownerDelays: number[] = [];
  while (clock.now() - start < HOUR) {
    if (clock.now() - start >= (ownerDelays.length + 1) * 15 * 60_000 && ownerDelays.length < 3) {
      // The owner logs in (correct password) from their own address every 15 minutes.
      const owner = await guard.attempt({
        username: 'victim',
        client: { remoteAddress: '203.0.113.250', headers: {} },
      });
      ownerDelays.push(owner.delayMs);
      await owner.succeeded();
    }
    const a = await guard.attempt({
      username: 'victim',
      client: { remoteAddress: addressOf(next), headers: {} },
    });
    next = (next + 1) % addresses;
    if (!a.allowed) {
      refusedInARow++;
      soonest = Math.min(soonest, a.error?.retryAfterMs ?? 1000);
      if (refusedInARow >= addresses) {
        clock.advance(soonest);
        refusedInARow = 0;
        soonest = Number.POSITIVE_INFINITY;
      }
      continue;
    }
    refusedInARow = 0;
    checked++;
    totalDelayMs += a.delayMs;
    clock.advance(100); // the password hash
    await a.failed();
  }
  return { checked, ownerDelayMs: Math.max(...ownerDelays), ownerDelays, totalDelayMs };
}

describe('login guard slow lane (measured figures)', () => {
  it('two addresses: the attacker gets at most 40 checks an hour, the owner waits 0 ms', async () => {
    const r = await attack((i) => `198.51.100.${i + 1}`, 2);
    console.log('two addresses, one hour:', r);
    expect(r.checked).toBeLessThanOrEqual(40);
    expect(r.ownerDelayMs).toBeLessThanOrEqual(1000);
  });

  it('a fresh address for every guess: bounded by the delay once the clean budget is spent', async () => {
    let n = 0;
    const r = await attack(() => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n++ & 255}`, 1);
    console.log('fresh address per guess, one hour:', r);
    // 10 undelayed guesses, then the 10 s cap: about 3600 s / 10.1 s + 13.
    expect(r.checked).toBeLessThanOrEqual(380);
    // Here the attacker has spent the account's clean budget, so the owner's fresh address waits
    // like any other (docs/rate-limit.md: what a trusted-client flag is for).
    expect(r.ownerDelays).toHaveLength(3);
  });
});
