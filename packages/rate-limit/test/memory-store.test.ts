import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RateLimitQuota } from '@portcullis/core';
import { createManualClock } from '@portcullis/core';
import { runRateLimitStoreContract } from '@portcullis/testing';
import { describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore } from '../src/index.js';

runRateLimitStoreContract('createMemoryRateLimitStore', (clock) => createMemoryRateLimitStore({ clock }));

const q: RateLimitQuota = { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 };

describe('createMemoryRateLimitStore', () => {
  it('never holds more than maxKeys keys plus the limited cache', async () => {
    const store = createMemoryRateLimitStore({ maxKeys: 1000, maxLimitedKeys: 100 });
    for (let i = 0; i < 10_000; i++) await store.consume(`k${i}`, q, 1);
    expect(store.size).toBeLessThanOrEqual(1100);
  });

  it('keeps a limited key limited while a flood of unique keys goes through', async () => {
    const clock = createManualClock();
    const store = createMemoryRateLimitStore({ maxKeys: 100, maxLimitedKeys: 10, clock });
    for (let i = 0; i < 5; i++) await store.consume('victim-of-limit', q, 1);
    expect((await store.consume('victim-of-limit', q, 1)).allowed).toBe(false);
    for (let i = 0; i < 100_000; i++) await store.consume(`spoofed-${i}`, q, 1);
    expect((await store.consume('victim-of-limit', q, 1)).allowed).toBe(false);
  });

  it('a flood can evict a key that still has quota (the documented trade-off)', async () => {
    const store = createMemoryRateLimitStore({ maxKeys: 100, maxLimitedKeys: 10 });
    await store.consume('half-used', q, 3);
    for (let i = 0; i < 1000; i++) await store.consume(`spoofed-${i}`, q, 1);
    expect((await store.consume('half-used', q, 1)).remaining).toBe(4);
  });

  it('moves a recovered key back out of the limited cache', async () => {
    const clock = createManualClock();
    const store = createMemoryRateLimitStore({ clock });
    for (let i = 0; i < 5; i++) await store.consume('k', q, 1);
    expect(store.limitedSize).toBe(1);
    clock.advance(120_000);
    await store.consume('k', q, 1);
    expect(store.limitedSize).toBe(0);
  });

  it('holds 1,000,000 unique keys under its documented heap cap (100,000 keys, < 40 MB)', async () => {
    // A real GC before each reading, so garbage does not count as retained heap.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const store = createMemoryRateLimitStore();
    for (let i = 0; i < 1_000_000; i++) await store.consume(`203.0.${i >>> 8}.${i & 255}:${i}`, q, 1);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(store.size).toBeLessThanOrEqual(110_000);
    expect(grown).toBeLessThan(40 * 1024 * 1024);
    console.log(`1,000,000 keys into the default memory store: ${(grown / 1048576).toFixed(1)} MB retained`);
  });

  it('refuses a bad configuration at start-up', () => {
    expect(() => createMemoryRateLimitStore({ maxKeys: 0 })).toThrow(/maxKeys/);
    expect(() => createMemoryRateLimitStore({ maxLimitedKeys: 1.5 })).toThrow(/maxLimitedKeys/);
  });
});
