import { describe, expect, it } from 'vitest';
import * as rateLimit from '../src/index.js';

describe('@portcullis/rate-limit public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(rateLimit).sort()).toEqual([
      'BACKLOG_ZONES',
      'GUARD_KEY_PREFIX',
      'LOGIN_HEALTH_DEFAULT_ZONES',
      'MAX_KEY_LENGTH',
      'QUOTA_EXCEEDED_TITLE',
      'QUOTA_EXCEEDED_TYPE',
      'RateLimitExceededError',
      'compilePathPattern',
      'consumeStep',
      'createLoginGuard',
      'createMemoryRateLimitStore',
      'createRateLimitPolicy',
      'createRateLimiter',
      'emptyState',
      'guardKey',
      'hashKey',
      'isMemoryRateLimitStore',
      'moduleKit',
      'normalisePath',
      'normaliseUsername',
      'rateLimitHeaders',
      'rateLimitKey',
      'rateLimitRules',
      'refundStep',
    ]);
  });

  it('keeps BACKLOG_ZONES as the deprecated alias of LOGIN_HEALTH_DEFAULT_ZONES', () => {
    expect(rateLimit.BACKLOG_ZONES).toBe(rateLimit.LOGIN_HEALTH_DEFAULT_ZONES);
  });
});
