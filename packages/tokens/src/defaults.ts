/** Access tokens live 1 h by default; 15 min is a good choice with refresh tokens on. */
export const DEFAULT_ACCESS_TTL_SEC = 3600;
/** Refresh tokens unused for 7 days die (idle lifetime). */
export const DEFAULT_REFRESH_IDLE_SEC = 7 * 24 * 3600;
/** No refresh-token family outlives 30 days after login (absolute lifetime). */
export const DEFAULT_REFRESH_ABSOLUTE_SEC = 30 * 24 * 3600;
/** A client that lost the response to a refresh may retry with the same token this long. */
export const DEFAULT_REFRESH_GRACE_MS = 5000;
/** Clock skew tolerated on `exp`/`iat`/`nbf`; bounded to 5 min. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
/** Tokens longer than this are refused before any parsing (a 1 h EdDSA token is ~400 bytes). */
export const DEFAULT_MAX_TOKEN_LENGTH = 4096;
/** `typ` of access tokens, RFC 9068 section 2.1. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Private claim with the issue time in ms, so "log out everywhere" also covers tokens issued in the same second. */
export const ISSUED_AT_MS_CLAIM = 'iat_ms';
/**
 * Claims whose absence refuses a token in resource-server mode. RFC 9068 section 2.2 also
 * requires `jti` and `client_id`, but several identity providers omit one or both from access
 * tokens (Keycloak has `azp`, Cognito omits `jti` in some flows); add them to `requiredClaims`
 * for a strict RFC 9068 profile.
 */
export const DEFAULT_REQUIRED_CLAIMS: readonly string[] = Object.freeze(['iss', 'sub', 'aud', 'exp', 'iat']);
/** Remote JWKS: a fetch slower than this fails (503) instead of holding the request. */
export const DEFAULT_JWKS_TIMEOUT_MS = 2000;
/** Remote JWKS: an unknown `kid` triggers at most one refetch per this many ms (jose's default). */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
/** Remote JWKS: keys are refetched when older than this (jose's default, 10 min). */
export const DEFAULT_JWKS_MAX_AGE_MS = 600_000;
/**
 * Entries of the token service's verified-token cache (on by default). 10 000 entries of ~1 KB
 * bound it to about 10 MB; size it to the number of distinct tokens seen within one lifetime.
 */
export const DEFAULT_TOKEN_CACHE_MAX = 10_000;
