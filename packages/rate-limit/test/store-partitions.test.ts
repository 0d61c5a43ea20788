/**
 * Per-partition breakers: a store that names failure domains (Redis Cluster shards) gets one
 * breaker per domain, so a dead shard degrades only its keys.
 */
import { createEventBus, createManualClock, type RateLimitStore, type SecurityEvent } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore, createRateLimiter } from '../src/index.js';

/** Keys starting with `a` live on shard a, the rest on shard b; shard a can die. */
function shardedStore() {
  const inner = createMemoryRateLimitStore();
  let aDown = false;
  const calls = { a: 0, b: 0 };
  const shard = (k: string) => (k.startsWith('a') ? 'a' : 'b');
  const guard = <T>(k: string, fn: () => Promise<T>) => {
    calls[shard(k)]++;
    return aDown && shard(k) === 'a' ? Promise.reject(new Error('Connection is closed.')) : fn();
  };
  const store: RateLimitStore = {
    consume: (k, q, c) => guard(k, () => inner.consume(k, q, c)),
    refund: (k, q, c) => guard(k, () => inner.refund(k, q, c)),
    reset: (k) => guard(k, () => inner.reset(k)),
    partitionOf: (k) => `shard-${shard(k)}`,
  };
  return { store, calls, kill: () => (aDown = true), revive: () => (aDown = false) };
}

describe('createRateLimiter over a partitioned store', () => {
  it('opens the breaker of the dead shard only: the healthy shard keeps exact shared counting', async () => {
    const clock = createManualClock();
    const events = createEventBus({ clock });
    const seen: SecurityEvent[] = [];
    events.subscribe((e) => {
      seen.push(e);
    });
    const s = shardedStore();
    const limiter = createRateLimiter({
      store: s.store,
      clock,
      events,
      limit: 3,
      windowMs: 60_000,
      onStoreFailure: 'closed',
    });
    s.kill();
    for (let i = 0; i < 5; i++)
      await expect(limiter.consume(`a-${i}`)).rejects.toMatchObject({ status: 503 });
    // After 3 failures shard a's breaker is open: no more calls go to it.
    expect(s.calls.a).toBe(3);
    // Shard b: interleaved with shard a's failures, still exact and from the store.
    const b = [];
    for (let i = 0; i < 4; i++) {
      b.push(await limiter.consume('b-key'));
      await expect(limiter.consume('a-0')).rejects.toMatchObject({ status: 503 });
    }
    expect(b.map((d) => [d.allowed, d.source])).toEqual([
      [true, 'store'],
      [true, 'store'],
      [true, 'store'],
      [false, 'store'],
    ]);
    expect(seen.filter((e) => e.name === 'sys_store_unavailable').map((e) => e.attributes)).toEqual([
      { partition: 'shard-a' },
    ]);
    // Shard a back: after the cooldown one probe closes its breaker.
    s.revive();
    clock.advance(5_000);
    expect((await limiter.consume('a-9')).source).toBe('store');
    expect(seen.some((e) => e.name === 'sys_store_recovered' && e.attributes?.partition === 'shard-a')).toBe(
      true,
    );
  });
});
