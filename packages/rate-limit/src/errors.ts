import { PortcullisError } from '@portcullis/core';

/**
 * Problem type of a refusal, as draft-ietf-httpapi-ratelimit-headers-10 section 6 registers it
 * (`quota-exceeded`).
 */
export const QUOTA_EXCEEDED_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded';

/** The title draft-ietf-httpapi-ratelimit-headers-10 section 6.1 registers with that type. */
export const QUOTA_EXCEEDED_TITLE = 'Request cannot be satisfied as assigned quota has been exceeded';

/** Codes of the rate-limit family. */
export type RateLimitErrorCode = 'ERR_RATELIMIT_EXCEEDED';

/**
 * The 429 answer of a refused request. It is not thrown by the limiter (a refusal is a
 * returned decision); it rides on the decision so adapters send it with `sendProblem`.
 *
 * The body follows the draft's quota-exceeded problem type: its registered `title`, and
 * `violated-policies` naming the refusing policy as `RateLimit-Policy` names it (`rule` stays,
 * for clients written against earlier releases).
 */
export class RateLimitExceededError extends PortcullisError<RateLimitErrorCode> {
  /** Id of the rule that refused. */
  readonly rule: string;
  /** Milliseconds until a retry can pass. */
  readonly retryAfterMs: number;

  constructor(rule: string, retryAfterMs: number, headers: Readonly<Record<string, string>>) {
    super('ERR_RATELIMIT_EXCEEDED', 429, QUOTA_EXCEEDED_TITLE, {
      type: QUOTA_EXCEEDED_TYPE,
      detail: `Request quota exceeded for "${rule}"; retry after ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`,
      headers,
      extensions: { 'violated-policies': [rule], rule },
    });
    this.name = 'RateLimitExceededError';
    this.rule = rule;
    this.retryAfterMs = retryAfterMs;
  }
}
