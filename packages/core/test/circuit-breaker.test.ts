import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  type CircuitState,
  createCircuitBreaker,
  createManualClock,
  StoreError,
  withTimeout,
} from '../src/index.js';

describe('createCircuitBreaker', () => {
  it('opens after the threshold, fails fast, probes after the cooldown and recovers', async () => {
    const clock = createManualClock();
    const transitions: string[] = [];
    const breaker = createCircuitBreaker({
      failureThreshold: 2,
      cooldownMs: 1000,
      clock,
      onStateChange: (to: CircuitState, from: CircuitState) => transitions.push(`${from}->${to}`),
    });
    const failing = () => Promise.reject(new Error('down'));
    await expect(breaker.run(failing)).rejects.toThrow('down');
    await expect(breaker.run(failing)).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
    const fn = vi.fn(async () => 1);
    await expect(breaker.run(fn)).rejects.toBeInstanceOf(StoreError);
    expect(fn).not.toHaveBeenCalled();
    clock.advance(1000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false); // one probe at a time
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('a failed probe opens the circuit again', () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 100, clock });
    breaker.failure();
    clock.advance(100);
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
  });

  it('resets the failure count on success', () => {
    const breaker = createCircuitBreaker({ failureThreshold: 2 });
    breaker.failure();
    breaker.success();
    breaker.failure();
    expect(breaker.state).toBe('closed');
  });
});

describe('withTimeout', () => {
  it('rejects with ERR_STORE_TIMEOUT when the promise does not settle in time', async () => {
    vi.useFakeTimers();
    try {
      const p = withTimeout(new Promise(() => {}), 100);
      const assertion = expect(p).rejects.toMatchObject({ code: 'ERR_STORE_TIMEOUT' });
      await vi.advanceTimersByTimeAsync(100);
      await vi.runOnlyPendingTimersAsync(); // the rejection waits one setImmediate (see withTimeout)
      await assertion;
    } finally {
      vi.useRealTimers();
    }
  });

  it('lets a reply that arrived while the event loop was blocked win over its deadline', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const accepted = new Promise<Socket>((r) => server.once('connection', r));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));
    const peer = await accepted;
    try {
      const reply = new Promise<string>((r) => client.once('data', (d) => r(String(d))));
      const p = withTimeout(reply, 20);
      peer.write('pong'); // in the kernel at once; read in the next poll phase
      const until = process.hrtime.bigint() + 60_000_000n;
      while (process.hrtime.bigint() < until) {
        // A CPU-bound stretch (a password hash) past the deadline.
      }
      await expect(p).resolves.toBe('pong');
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });

  it('passes the value through when in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 100)).resolves.toBe(7);
  });

  it('works with web timers: numeric ids (workerd at compat date 2025-09-01) and no setImmediate (workerd without nodejs_compat)', async () => {
    const realSetTimeout = globalThis.setTimeout;
    // Node's Timeout converts to its numeric id, which clearTimeout accepts: the web's contract.
    vi.stubGlobal('setTimeout', (fn: () => void, ms?: number) => Number(realSetTimeout(fn, ms)));
    vi.stubGlobal('setImmediate', undefined);
    try {
      await expect(withTimeout(new Promise(() => {}), 5)).rejects.toMatchObject({
        code: 'ERR_STORE_TIMEOUT',
      });
      await expect(withTimeout(Promise.resolve(7), 100)).resolves.toBe(7);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
