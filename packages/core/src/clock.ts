/**
 * Source of time for everything that reads the clock. Inject {@link createManualClock} in tests
 * so that no test ever sleeps.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (may be fractional for monotonic sources). */
  now(): number;
}

/** The wall clock (`Date.now()`). */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` (negative values are refused). */
  advance(ms: number): void;
  /** Jumps to an absolute time in ms since the epoch (may go backwards, to test skew). */
  set(epochMs: number): void;
}

/**
 * A clock for tests: starts at `startMs` (default 2026-01-01T00:00:00Z) and only moves on
 * `advance` / `set`.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const limiter = createRateLimiter({ clock, ... });
 * clock.advance(60_000);
 * ```
 */
export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let t = startMs;
  return {
    now: () => t,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError('advance() takes a finite, non-negative number');
      t += ms;
    },
    set(epochMs: number) {
      if (!Number.isFinite(epochMs)) throw new RangeError('set() takes a finite number');
      t = epochMs;
    },
  };
}
