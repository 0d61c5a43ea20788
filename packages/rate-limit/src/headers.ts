import { createHash } from 'node:crypto';
import type { RateLimitState } from '@portcullis/core';

/** Which headers a rule sends. `false` on the rule turns them all off (`Retry-After` too). */
export interface RateLimitHeaderOptions {
  /** draft-ietf-httpapi-ratelimit-headers-10 `RateLimit-Policy` and `RateLimit`. Default true. */
  draft?: boolean | undefined;
  /** `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds). Default false. */
  legacy?: boolean | undefined;
  /**
   * Send the draft's `pk` parameter. The partition key is hashed (SHA-256, 96 bits) so the
   * client never sees the address or user id it was keyed on. Default false.
   */
  partitionKey?: boolean | undefined;
}

/** What headers need to know about a rule. */
export interface HeaderRule {
  readonly id: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly headers: RateLimitHeaderOptions | false;
}

/**
 * The response headers of one decision, as plain data (adapters copy them). Sent on every
 * response of a limited route; `Retry-After` (RFC 9110 section 10.2.3, delay in seconds) only
 * on refusals.
 */
export function rateLimitHeaders(
  rule: HeaderRule,
  state: RateLimitState,
  key: string,
  now: number,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (rule.headers === false) return out;
  const resetSec = Math.ceil(state.resetMs / 1000);
  if (rule.headers.draft !== false) {
    const pk = rule.headers.partitionKey === true ? `;pk=:${partitionKeyOf(key)}:` : '';
    out['RateLimit-Policy'] = `"${rule.id}";q=${rule.limit};w=${Math.ceil(rule.windowMs / 1000)}${pk}`;
    out.RateLimit = `"${rule.id}";r=${state.remaining};t=${resetSec}${pk}`;
  }
  if (rule.headers.legacy === true) {
    out['X-RateLimit-Limit'] = String(rule.limit);
    out['X-RateLimit-Remaining'] = String(state.remaining);
    out['X-RateLimit-Reset'] = String(Math.ceil((now + state.resetMs) / 1000));
  }
  if (!state.allowed) out['Retry-After'] = String(Math.max(1, Math.ceil(state.retryAfterMs / 1000)));
  return out;
}

/** 96 bits of SHA-256 as an RFC 8941 byte sequence body (standard base64). */
function partitionKeyOf(key: string): string {
  return createHash('sha256').update(key).digest().subarray(0, 12).toString('base64');
}
