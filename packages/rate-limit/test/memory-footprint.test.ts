import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createManualClock } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore, createRateLimitPolicy } from '../src/index.js';

// Issue 18: the memory store held each client in lru-cache as an object of boxed numbers, about
// 231 bytes a client through the policy. The state table holds its numbers in typed-array
// columns, which live outside the JS heap: both are counted.
describe('memory store footprint', () => {
  it('retains under 200 bytes per rate-limited client through the policy (key and typed arrays included)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const N = 100_000;
    const clock = createManualClock(1_700_000_000_000);
    const clients = Array.from({ length: N }, (_, i) => ({
      remoteAddress: `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`,
      headers: {},
    }));
    const store = createMemoryRateLimitStore({ maxKeys: 2 * N, clock });
    const policy = createRateLimitPolicy({
      rules: [],
      defaultRule: { id: 'api', limit: 120, windowMs: 60_000 },
      store,
      clock,
    });
    // One decision first, so that code and lazily built tables are not counted.
    await policy.check({ method: 'GET', path: '/', client: { remoteAddress: '192.0.2.1', headers: {} } });
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    gc();
    const before = used();
    for (const client of clients) await policy.check({ method: 'GET', path: '/users/42', client });
    gc();
    const perClient = (used() - before) / N;
    expect(store.size).toBe(N + 1);
    console.log(`memory store: ${perClient.toFixed(0)} bytes retained per rate-limited client`);
    expect(perClient).toBeLessThan(200);
    // Keep the inputs alive until after the reading (they are the caller's, not the store's).
    expect(clients.length).toBe(N);
  });
});
