import { describe, expect, it } from 'vitest';
import { ConfigError, createManualClock, createMemoryTtlStore } from '../src/index.js';

describe('createMemoryTtlStore', () => {
  it('expires entries on the injected clock', () => {
    const clock = createManualClock();
    const store = createMemoryTtlStore<number>({ max: 10, ttlMs: 1000, clock });
    store.set('a', 1);
    clock.advance(999);
    expect(store.get('a')).toBe(1);
    expect(store.remainingTtl('a')).toBe(1);
    clock.advance(2); // lru-cache expires an entry once its age exceeds the TTL
    expect(store.get('a')).toBeUndefined();
    expect(store.remainingTtl('a')).toBe(0);
  });

  it('takes a TTL per entry', () => {
    const clock = createManualClock();
    const store = createMemoryTtlStore<string>({ max: 10, clock });
    store.set('short', 'x', 10);
    store.set('forever', 'y');
    clock.advance(10_000);
    expect(store.has('short')).toBe(false);
    expect(store.get('forever')).toBe('y');
    expect(store.remainingTtl('forever')).toBe(Number.POSITIVE_INFINITY);
  });

  it('never holds more than max entries', () => {
    const store = createMemoryTtlStore<number>({ max: 100 });
    for (let i = 0; i < 10_000; i++) store.set(`k${i}`, i);
    expect(store.size).toBe(100);
    expect(store.get('k9999')).toBe(9999);
    expect(store.get('k0')).toBeUndefined();
  });

  it('refuses an unbounded or nonsensical configuration', () => {
    expect(() => createMemoryTtlStore({ max: 0 })).toThrow(ConfigError);
    expect(() => createMemoryTtlStore({ max: 10, ttlMs: -1 })).toThrow(ConfigError);
  });
});
