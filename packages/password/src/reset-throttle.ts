import {
  type Clock,
  ConfigError,
  checkOptions,
  createMemoryTtlStore,
  type KnownOptions,
  systemClock,
} from '@portcullis/core';
import type { ResetRateLimiter } from './reset.js';

/** Options of {@link createMemoryResetLimiter}. */
export interface MemoryResetLimiterOptions {
  /** Requests per window per key. */
  limit: number;
  windowMs: number;
  /** Most keys tracked (least recently used evicted past it). Default 10,000. */
  maxKeys?: number | undefined;
  clock?: Clock | undefined;
}

/**
 * The reset flow's default limiter: a fixed window per key in a bounded in-process map. One
 * process only; with several workers pass a shared limiter (`@portcullis/rate-limit`'s
 * `createRateLimiter` on the Redis store fits {@link ResetRateLimiter} structurally).
 */
export function createMemoryResetLimiter(options: MemoryResetLimiterOptions): ResetRateLimiter {
  checkOptions('createMemoryResetLimiter', options, {
    limit: true,
    windowMs: true,
    maxKeys: true,
    clock: true,
  } satisfies KnownOptions<MemoryResetLimiterOptions>);
  const { limit, windowMs } = options;
  if (!Number.isInteger(limit) || limit < 1)
    throw new ConfigError('reset limiter: limit must be an integer >= 1');
  if (!Number.isInteger(windowMs) || windowMs < 1000)
    throw new ConfigError('reset limiter: windowMs must be an integer >= 1000');
  const clock = options.clock ?? systemClock;
  const windows = createMemoryTtlStore<{ start: number; count: number }>({
    max: options.maxKeys ?? 10_000,
    clock,
  });
  return {
    consume(key) {
      const now = clock.now();
      let w = windows.get(key);
      if (w === undefined || now - w.start >= windowMs) {
        w = { start: now, count: 0 };
        windows.set(key, w, windowMs);
      }
      if (w.count >= limit)
        return Promise.resolve({ allowed: false, retryAfterMs: w.start + windowMs - now });
      w.count++;
      return Promise.resolve({ allowed: true });
    },
  };
}

/**
 * Default per client address: 10 requests per 15 minutes (OWASP Forgot Password Cheat Sheet:
 * rate-limit the request; a person needs one or two).
 */
export const DEFAULT_RESET_PER_IP = { limit: 10, windowMs: 15 * 60_000 } as const;

/** Default per typed address: 3 mails per hour, whatever the requesting address. */
export const DEFAULT_RESET_PER_ACCOUNT = { limit: 3, windowMs: 60 * 60_000 } as const;
