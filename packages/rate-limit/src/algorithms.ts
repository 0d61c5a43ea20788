import type { RateLimitQuota, RateLimitState } from '@portcullis/core';

/**
 * The per-key state of every algorithm, as three numbers so it fits one Redis hash and one
 * small object in memory (the Lua scripts in @portcullis/redis mirror these functions line for
 * line; the shared store contract suite keeps them in step).
 * - fixed-window: `a` window start, `b` count.
 * - sliding-window: `a` window start (aligned to the epoch), `b` current count, `c` previous count.
 * - token-bucket: `a` last refill time, `b` tokens.
 * - gcra: `a` theoretical arrival time (TAT).
 */
export interface AlgorithmState {
  a: number;
  b: number;
  c: number;
  /** Epoch ms after which the state is worth nothing (an absent key behaves the same). */
  expiresAt: number;
}

const EPS = 1e-9;

function result(allowed: boolean, remaining: number, resetMs: number, retryAfterMs: number): RateLimitState {
  return {
    allowed,
    remaining: Math.max(0, Math.floor(remaining + EPS)),
    resetMs: Math.max(0, Math.ceil(resetMs)),
    retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil(retryAfterMs)),
  };
}

/** A state for a key the store has never seen (an expired state behaves the same). */
export function emptyState(): AlgorithmState {
  return { a: 0, b: 0, c: 0, expiresAt: 0 };
}

/**
 * Runs one `consume` on `st` in place (an expired state counts as empty) and returns the
 * decision. Allocation-free apart from the decision itself: this is the hot path.
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
  switch (quota.algorithm) {
    case 'fixed-window': {
      if (isNew || now >= st.a + W) {
        st.a = now;
        st.b = 0;
      }
      const end = st.a + W;
      const allowed = st.b + cost <= L;
      if (allowed) st.b += cost;
      st.expiresAt = end;
      return result(allowed, L - st.b, end - now, end - now);
    }
    case 'sliding-window': {
      const ws = Math.floor(now / W) * W;
      if (isNew) {
        st.b = 0;
        st.c = 0;
      } else if (st.a !== ws) {
        st.c = st.a === ws - W ? st.b : 0;
        st.b = 0;
      }
      st.a = ws;
      const elapsed = now - ws;
      const weight = (W - elapsed) / W;
      const allowed = st.c * weight + st.b + cost <= L + EPS;
      if (allowed) st.b += cost;
      st.expiresAt = ws + 2 * W;
      const remaining = L - (st.c * weight + st.b);
      let retry = 0;
      if (!allowed) {
        if (st.b + cost <= L) {
          // Wait until the previous window's weight has decayed enough.
          retry = W * (1 - (L - st.b - cost) / st.c) - elapsed;
        } else {
          // Wait for the next window, where the current count becomes the previous one.
          const need = cost > L ? W : Math.max(0, W * (1 - (L - cost) / st.b));
          retry = W - elapsed + need;
        }
      }
      return result(allowed, remaining, allowed ? W - elapsed : retry, retry);
    }
    case 'token-bucket': {
      const rate = L / W;
      if (isNew) {
        st.a = now;
        st.b = L;
      } else {
        st.b = Math.min(L, st.b + Math.max(0, now - st.a) * rate);
        st.a = Math.max(st.a, now);
      }
      const allowed = st.b + EPS >= cost;
      if (allowed) st.b = Math.max(0, st.b - cost);
      const full = (L - st.b) / rate;
      st.expiresAt = now + Math.max(1, Math.ceil(full));
      return result(allowed, st.b, full, (cost - st.b) / rate);
    }
    case 'gcra': {
      const T = W / L;
      const tat = isNew ? now : Math.max(st.a, now);
      const next = tat + cost * T;
      const allowed = next - now <= W + EPS;
      st.a = allowed ? next : tat;
      st.expiresAt = Math.max(now + 1, Math.ceil(st.a));
      const used = st.a - now;
      return result(allowed, (W - used) / T, used, next - W - now);
    }
  }
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
      const ws = Math.floor(now / W) * W;
      if (s.a !== ws) {
        s.c = s.a === ws - W ? s.b : 0;
        s.b = 0;
        s.a = ws;
        s.expiresAt = ws + 2 * W;
      }
      const fromCurrent = Math.min(s.b, cost);
      s.b -= fromCurrent;
      s.c = Math.max(0, s.c - (cost - fromCurrent));
      return;
    }
    case 'token-bucket': {
      const rate = L / W;
      s.b = Math.min(L, s.b + Math.max(0, now - s.a) * rate + cost);
      s.a = Math.max(s.a, now);
      return;
    }
    case 'gcra':
      s.a = Math.max(now, s.a - cost * (W / L));
      return;
  }
}
