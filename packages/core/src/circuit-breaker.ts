import { type Clock, systemClock } from './clock.js';
import { ConfigError, StoreError } from './errors.js';
import { checkOptions, type KnownOptions } from './options.js';

/** `closed`: calls flow. `open`: calls fail fast. `half-open`: one probe is let through. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 3. */
  failureThreshold?: number | undefined;
  /** How long the circuit stays open before a probe is allowed. Default 5000 ms. */
  cooldownMs?: number | undefined;
  clock?: Clock | undefined;
  /** Told of every transition (modules publish `sys_store_unavailable` / `sys_store_recovered`). */
  onStateChange?: ((to: CircuitState, from: CircuitState) => void) | undefined;
}

/** A circuit breaker guarding calls to a backing store. */
export interface CircuitBreaker {
  readonly state: CircuitState;
  /**
   * Whether a call may go to the store now. In `half-open` only one caller gets `true` until
   * it reports success or failure.
   */
  allow(): boolean;
  success(): void;
  failure(): void;
  /**
   * Runs `fn` when allowed; a thrown error counts as a failure and is rethrown. When the
   * circuit is open, throws `StoreError('ERR_STORE_UNAVAILABLE')` without calling `fn`.
   */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

const BREAKER_OPTIONS = {
  failureThreshold: true,
  cooldownMs: true,
  clock: true,
  onStateChange: true,
} as const satisfies KnownOptions<CircuitBreakerOptions>;

/**
 * Creates a circuit breaker so that a store that is down costs microseconds per request, not
 * a timeout each time; recovery is automatic after the cooldown.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  checkOptions('createCircuitBreaker', options, BREAKER_OPTIONS);
  const threshold = options.failureThreshold ?? 3;
  const cooldown = options.cooldownMs ?? 5000;
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new ConfigError('failureThreshold must be a positive integer');
  if (!Number.isFinite(cooldown) || cooldown < 0)
    throw new ConfigError('cooldownMs must be a non-negative number');
  const clock = options.clock ?? systemClock;
  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probing = false;

  const move = (to: CircuitState) => {
    if (to === state) return;
    const from = state;
    state = to;
    try {
      options.onStateChange?.(to, from);
    } catch {
      // An observer must not change the breaker's behaviour.
    }
  };

  const breaker: CircuitBreaker = {
    get state() {
      if (state === 'open' && clock.now() - openedAt >= cooldown) move('half-open');
      return state;
    },
    allow() {
      const s = breaker.state;
      if (s === 'closed') return true;
      if (s === 'open' || probing) return false;
      probing = true;
      return true;
    },
    success() {
      failures = 0;
      probing = false;
      move('closed');
    },
    failure() {
      probing = false;
      failures++;
      if (state === 'half-open' || failures >= threshold) {
        openedAt = clock.now();
        move('open');
      }
    },
    async run(fn) {
      if (!breaker.allow())
        throw new StoreError('ERR_STORE_UNAVAILABLE', 'circuit open: the store failed repeatedly');
      try {
        const value = await fn();
        breaker.success();
        return value;
      } catch (err) {
        breaker.failure();
        throw err;
      }
    },
  };
  return breaker;
}

/**
 * Rejects with `StoreError('ERR_STORE_TIMEOUT')` when `promise` has not settled after `ms`.
 * The timer is unref'd where timers have `unref()` (Node, Bun, Deno) and cleared, so it never
 * keeps a process alive.
 *
 * When the timer fires, the rejection waits one `setImmediate`: Node runs timers before it
 * reads sockets, so after the event loop was blocked (a CPU-bound hash, a GC pause) a reply
 * that arrived in time would otherwise lose to its own deadline. The poll phase in between
 * lets it settle first; a store that really is slow still fails at `ms` plus one loop turn.
 * Where there is no `setImmediate` (a web runtime), a zero-delay timer takes its place.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'store call'): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelLate: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cancelLate = nextTurn(() =>
        reject(new StoreError('ERR_STORE_TIMEOUT', `${what} took longer than ${ms} ms`)),
      );
    }, ms);
    unrefTimer(timer);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    cancelLate?.();
  });
}

/** Runs `fn` after the I/O of this loop turn; returns the cancel function. */
function nextTurn(fn: () => void): () => void {
  if (typeof globalThis.setImmediate === 'function') {
    const handle = setImmediate(fn);
    return () => clearImmediate(handle);
  }
  const handle = setTimeout(fn, 0);
  return () => clearTimeout(handle);
}

/** Node's, Bun's and Deno's timers have `unref()`; a web runtime's (workerd before 2026) are numbers. */
function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  const handle = timer as { unref?: unknown } | number;
  if (typeof handle === 'object' && typeof handle.unref === 'function') handle.unref();
}
