import type { RateLimitQuota, RateLimitState } from '@portcullis/core';

/**
 * The per-key state of every algorithm, as four numbers so it fits one packed Redis string and
 * one small object in memory (the Lua script in @portcullis/redis mirrors these functions line
 * for line; the shared store contract suite keeps them in step).
 * - fixed-window: `a` window start, `b` count.
 * - sliding-window: `a` time of the current window's last admitted request (the window start
 *   when there is none), `b` current count, `c` previous window's count, `d` the time at which
 *   the previous window's weight reaches zero.
 * - token-bucket: `a` last refill time, `b` tokens.
 * - gcra: `a` theoretical arrival time (TAT).
 *
 * Why the sliding window keeps `d`: the classic estimate spreads the previous window's count
 * over the whole previous window, so a burst at the start of a window still weighed in full a
 * whole window later and the honest wait reached 1.2 windows (a `t` above `w`). Here the count
 * is spread over the part of its window it used (from the start to its last admitted request):
 * never further from the exact sliding log, and every wait is at most one window.
 */
export interface AlgorithmState {
  a: number;
  b: number;
  c: number;
  d: number;
  /** Epoch ms after which the state is worth nothing (an absent key behaves the same). */
  expiresAt: number;
}

const EPS = 1e-9;
/**
 * GCRA keeps a fractional epoch time (TAT, ~1.8e12 ms): a double holds it to ~2.4e-4 ms, so its
 * comparisons and roundings allow a microsecond (a rounding error, never a whole request).
 */
const TIME_EPS = 1e-3;

/** A state for a key the store has never seen (an expired state behaves the same). */
export function emptyState(): AlgorithmState {
  return { a: 0, b: 0, c: 0, d: 0, expiresAt: 0 };
}

/** The previous sliding window's count still weighing at `now` (linear down to 0 at `d`). */
function previousWeight(st: AlgorithmState, ws: number, now: number): number {
  return st.c > 0 && now < st.d ? (st.c * (st.d - now)) / (st.d - ws) : 0;
}

/** Brings a sliding-window state into the window that starts at `ws`. */
function rollSliding(st: AlgorithmState, ws: number, W: number): void {
  const from = Math.floor(st.a / W) * W;
  if (from === ws) return;
  if (from === ws - W && st.b > 0) {
    st.c = st.b;
    st.d = st.a + W;
  } else {
    st.c = 0;
    st.d = 0;
  }
  st.b = 0;
  st.a = ws;
}

function slidingExpiry(st: AlgorithmState, W: number, now: number): number {
  return Math.max(now + 1, st.b > 0 ? st.a + W : st.d);
}

/**
 * Ms from `now` until a request of cost `k` passes on the (already updated) state, assuming no
 * other request meanwhile; 0 when it would pass now. At most one window for every algorithm (a
 * cost above the limit never passes: one window is reported, as the best honest answer).
 */
export function waitFor(st: AlgorithmState, quota: RateLimitQuota, k: number, now: number): number {
  const L = quota.limit;
  const W = quota.windowMs;
  switch (quota.algorithm) {
    case 'fixed-window':
      return k <= L && st.b + k <= L ? 0 : st.a + W - now;
    case 'sliding-window': {
      if (k > L) return W;
      const ws = Math.floor(now / W) * W;
      const prev = previousWeight(st, ws, now);
      if (prev + st.b + k <= L + EPS) return 0;
      // Within this window, once the previous window's weight has decayed enough.
      if (st.b + k <= L + EPS) return st.d - now - ((L - st.b - k) * (st.d - ws)) / st.c;
      // In the next window, where this window's count decays over the span it used.
      const next = ws + W;
      const span = st.a - ws;
      if (span <= 0) return next - now;
      return Math.max(next, st.a + W - ((L - k) * span) / st.b) - now;
    }
    case 'token-bucket':
      return k > L ? W : Math.max(0, ((k - st.b) * W) / L);
    case 'gcra':
      return k > L ? W : Math.max(0, st.a + (k * W) / L - W - now);
  }
}

/** Ms from `now` until the whole quota is available again, assuming no other request. */
function fullIn(st: AlgorithmState, quota: RateLimitQuota, now: number): number {
  const L = quota.limit;
  const W = quota.windowMs;
  switch (quota.algorithm) {
    case 'fixed-window':
      return st.a + W - now;
    case 'sliding-window':
      return st.b > 0 ? st.a + W - now : Math.max(0, st.c > 0 ? st.d - now : 0);
    case 'token-bucket':
      return ((L - st.b) * W) / L;
    case 'gcra':
      return Math.max(0, st.a - now);
  }
}

/**
 * Runs one `consume` on `st` in place (an expired state counts as empty) and returns the
 * decision. Allocation-free apart from the decision itself: this is the hot path.
 *
 * `resetMs` (draft-10's `t`) is exact: while fewer than `cost` units remain it is the wait until
 * a request of the same cost passes (so with `r=0` it equals `Retry-After`, and a client that
 * waits it is admitted); otherwise it is the wait until the whole quota is back. Never above
 * the window.
 */
export function consumeStep(
  st: AlgorithmState,
  quota: RateLimitQuota,
  cost: number,
  now: number,
): RateLimitState {
  const isNew = st.expiresAt <= now;
  const L = quota.limit;
  const W = quota.windowMs;
  let allowed: boolean;
  let remaining: number;
  switch (quota.algorithm) {
    case 'fixed-window': {
      if (isNew || now >= st.a + W) {
        st.a = now;
        st.b = 0;
      }
      allowed = st.b + cost <= L;
      if (allowed) st.b += cost;
      st.expiresAt = st.a + W;
      remaining = L - st.b;
      break;
    }
    case 'sliding-window': {
      const ws = Math.floor(now / W) * W;
      if (isNew) {
        st.a = ws;
        st.b = 0;
        st.c = 0;
        st.d = 0;
      } else rollSliding(st, ws, W);
      const used = previousWeight(st, ws, now) + st.b;
      allowed = used + cost <= L + EPS;
      if (allowed) {
        st.b += cost;
        st.a = now;
      }
      st.expiresAt = slidingExpiry(st, W, now);
      remaining = L - used - (allowed ? cost : 0);
      break;
    }
    case 'token-bucket': {
      if (isNew) {
        st.a = now;
        st.b = L;
      } else {
        st.b = Math.min(L, st.b + (Math.max(0, now - st.a) * L) / W);
        st.a = Math.max(st.a, now);
      }
      allowed = st.b + EPS >= cost;
      if (allowed) st.b = Math.max(0, st.b - cost);
      st.expiresAt = now + Math.max(1, Math.ceil(((L - st.b) * W) / L));
      remaining = st.b;
      break;
    }
    case 'gcra': {
      const T = W / L;
      const tat = isNew ? now : Math.max(st.a, now);
      const next = tat + cost * T;
      allowed = next - now <= W + TIME_EPS;
      st.a = allowed ? next : tat;
      st.expiresAt = Math.max(now + 1, Math.ceil(st.a));
      remaining = (W - (st.a - now) + TIME_EPS) / T;
      break;
    }
  }
  const slack = quota.algorithm === 'gcra' ? TIME_EPS : EPS;
  const left = Math.max(0, Math.floor(remaining + EPS));
  const wait = left < cost || !allowed ? Math.max(1, Math.ceil(waitFor(st, quota, cost, now) - slack)) : 0;
  return {
    allowed,
    remaining: left,
    resetMs: wait > 0 ? wait : Math.max(0, Math.ceil(fullIn(st, quota, now) - slack)),
    retryAfterMs: allowed ? 0 : wait,
  };
}

/** Gives back `cost` units on `s` in place. */
export function refundStep(s: AlgorithmState, quota: RateLimitQuota, cost: number, now: number): void {
  if (s.expiresAt <= now) return;
  const L = quota.limit;
  const W = quota.windowMs;
  switch (quota.algorithm) {
    case 'fixed-window':
      s.b = Math.max(0, s.b - cost);
      return;
    case 'sliding-window': {
      rollSliding(s, Math.floor(now / W) * W, W);
      const fromCurrent = Math.min(s.b, cost);
      s.b -= fromCurrent;
      s.c = Math.max(0, s.c - (cost - fromCurrent));
      s.expiresAt = slidingExpiry(s, W, now);
      return;
    }
    case 'token-bucket':
      s.b = Math.min(L, s.b + (Math.max(0, now - s.a) * L) / W + cost);
      s.a = Math.max(s.a, now);
      return;
    case 'gcra':
      s.a = Math.max(now, s.a - cost * (W / L));
      return;
  }
}
