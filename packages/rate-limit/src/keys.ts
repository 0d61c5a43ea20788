import { createHash } from 'node:crypto';

/** Keys longer than this are replaced by a hash, so key size (and store memory) is bounded. */
export const MAX_KEY_LENGTH = 64;

/**
 * A short, fixed-length digest (SHA-256, 128 bits kept, base64url): 22 characters, collision
 * odds negligible for rate-limit keys, and no raw attacker text reaches the store.
 */
export function hashKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/**
 * Builds a store key from a rule id and a subject (client address, user id, ...). Subjects
 * longer than {@link MAX_KEY_LENGTH} are hashed, so an attacker cannot grow keys with long
 * input; short ones stay readable in Redis.
 */
export function rateLimitKey(ruleId: string, kind: string, subject: string): string {
  const s = subject.length > MAX_KEY_LENGTH || /[\s\0]/.test(subject) ? `#${hashKey(subject)}` : subject;
  return `${ruleId}:${kind}:${s}`;
}

/**
 * Every login-guard key starts with this. `!` is outside the policy's rule-id alphabet, so no
 * `rateLimitKey(ruleId, ...)` can ever equal a guard key, whatever the rule ids are (a rule
 * named `login` or `guard` included): without it, a store shared by policy and guard let the
 * guard's refund on success also refund the route counter.
 */
export const GUARD_KEY_PREFIX = '!guard:';

/** Builds a login-guard store key; the only place guard keys are made, so the namespace holds. */
export function guardKey(...parts: string[]): string {
  return `${GUARD_KEY_PREFIX}${parts.join(':')}`;
}

/** Usernames longer than this are cut before normalising (bounded work per request). */
const MAX_USERNAME_LENGTH = 1024;

/**
 * Normalises a username before it is used as a key, so `Alice`, ` alice ` and `ａｌｉｃｅ`
 * (full-width) share one counter: NFKC (Unicode compatibility forms, UAX #15), then a
 * locale-independent case fold (upper then lower, so `ß` and `SS` agree), then trim. Without
 * it, an attacker gets a fresh quota per spelling of the same account.
 */
export function normaliseUsername(username: string): string {
  return username.slice(0, MAX_USERNAME_LENGTH).normalize('NFKC').toUpperCase().toLowerCase().trim();
}
