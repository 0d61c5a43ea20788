import { PortcullisError, type PortcullisErrorOptions } from '@portcullis/core';

/** Stable codes of {@link TokenError}. Never renamed once used (see docs/errors.md). */
export type TokenErrorCode =
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_TOKEN_REUSED';

/**
 * Why a token was refused, for logs and metrics: the {@link TokenErrorCode} itself, or a finer
 * reason behind `ERR_TOKEN_INVALID`. The client only ever sees the code (one generic 401 for
 * every verification failure), so the reason cannot be used as an oracle by an attacker.
 */
export type TokenReason =
  | TokenErrorCode
  /** The signature does not verify with the key the header names. */
  | 'ERR_TOKEN_SIGNATURE'
  /** `iss` is missing or not an accepted issuer. */
  | 'ERR_TOKEN_ISSUER'
  /** `aud` is missing or names no accepted audience. */
  | 'ERR_TOKEN_AUDIENCE'
  /** The `typ` header is missing or not an accepted type (RFC 9068 section 4: `at+jwt`). */
  | 'ERR_TOKEN_TYPE'
  /** No trusted key for the header's `kid`, or `alg` is not the one pinned to that key. */
  | 'ERR_TOKEN_KEY'
  /** A forbidden header parameter (`jku`, `x5u`, `jwk`, `x5c`, `crit`; RFC 8725 section 3.10). */
  | 'ERR_TOKEN_HEADER'
  /** A required claim is missing, or a claim has the wrong type. */
  | 'ERR_TOKEN_CLAIMS'
  /** `nbf` or `iat` lies in the future beyond the clock tolerance. */
  | 'ERR_TOKEN_NOT_YET_VALID';

const TITLES: Record<TokenErrorCode, string> = {
  ERR_TOKEN_MISSING: 'Authentication required',
  ERR_TOKEN_MALFORMED: 'Malformed token',
  ERR_TOKEN_TOO_LARGE: 'Token too large',
  ERR_TOKEN_INVALID: 'Invalid token',
  ERR_TOKEN_EXPIRED: 'Token expired',
  ERR_TOKEN_REVOKED: 'Token revoked',
  ERR_TOKEN_REUSED: 'Refresh token reused',
};

/** Detail of an error raised without one: every problem answer says what to fix. */
const DEFAULT_DETAILS: Partial<Record<TokenErrorCode, string>> = {
  ERR_TOKEN_MISSING: 'no access token was sent: send it as "Authorization: Bearer <token>"',
};

/**
 * `WWW-Authenticate` value for a refused token. RFC 6750 section 3.1: a request without
 * credentials gets the bare challenge (no error code); a bad token gets `invalid_token`.
 */
function challenge(code: TokenErrorCode, realm: string | undefined): string {
  const realmPart = realm === undefined ? '' : ` realm="${realm.replace(/["\\]/g, '')}"`;
  if (code === 'ERR_TOKEN_MISSING') return `Bearer${realmPart}`;
  return `Bearer${realmPart}${realmPart ? ',' : ''} error="invalid_token"`;
}

/** Options of {@link TokenError}. */
export type TokenErrorOptions = Omit<PortcullisErrorOptions, 'detail' | 'headers'> & {
  realm?: string | undefined;
  /** Finer reason for logs; defaults to the code. Never sent to the client. */
  reason?: TokenReason | undefined;
};

/**
 * A token was missing, malformed, invalid, expired, revoked or reused. Always a 401 with a
 * `WWW-Authenticate: Bearer` challenge (RFC 6750 section 3). The message and detail never
 * contain the token, so logging the error cannot leak a credential. `reason` says why for logs
 * (`ERR_TOKEN_SIGNATURE`, `ERR_TOKEN_ISSUER`, ...); the problem body carries only the code.
 *
 * @example
 * ```ts
 * try { await tokens.verify(token) }
 * catch (err) {
 *   if (err instanceof TokenError) log.warn({ reason: err.reason }, 'token refused')
 *   throw err
 * }
 * ```
 */
export class TokenError extends PortcullisError<TokenErrorCode> {
  /** Why the token was refused (for logs only); equals `code` unless a finer reason is known. */
  readonly reason: TokenReason;

  constructor(code: TokenErrorCode, detail?: string | undefined, options: TokenErrorOptions = {}) {
    const { realm, reason, ...rest } = options;
    super(code, 401, TITLES[code], {
      ...rest,
      detail: detail ?? DEFAULT_DETAILS[code],
      headers: { 'WWW-Authenticate': challenge(code, realm) },
    });
    this.name = 'TokenError';
    this.reason = reason ?? code;
  }
}

/** The client-facing code of a reason: every verification failure but the named ones is `ERR_TOKEN_INVALID`. */
export function codeOf(reason: TokenReason): TokenErrorCode {
  return reason in TITLES ? (reason as TokenErrorCode) : 'ERR_TOKEN_INVALID';
}

const DETAILS: Record<TokenReason, string> = {
  ERR_TOKEN_MISSING: 'no access token was sent',
  ERR_TOKEN_MALFORMED: 'the token is not a well-formed compact JWS',
  ERR_TOKEN_TOO_LARGE: 'the token is longer than allowed',
  ERR_TOKEN_INVALID: 'the token failed verification',
  ERR_TOKEN_EXPIRED: 'the token has expired',
  ERR_TOKEN_REVOKED: 'the token has been revoked',
  ERR_TOKEN_REUSED: 'the refresh token was already used; its session is revoked',
  // Verification failures share one detail: the client learns nothing about which check failed.
  ERR_TOKEN_SIGNATURE: 'the token failed verification',
  ERR_TOKEN_ISSUER: 'the token failed verification',
  ERR_TOKEN_AUDIENCE: 'the token failed verification',
  ERR_TOKEN_TYPE: 'the token failed verification',
  ERR_TOKEN_KEY: 'the token failed verification',
  ERR_TOKEN_HEADER: 'the token failed verification',
  ERR_TOKEN_CLAIMS: 'the token failed verification',
  ERR_TOKEN_NOT_YET_VALID: 'the token failed verification',
};

/** The {@link TokenError} for `reason`: client-facing code and detail, the reason kept for logs. */
export function tokenError(reason: TokenReason, cause?: unknown): TokenError {
  return new TokenError(
    codeOf(reason),
    DETAILS[reason],
    cause === undefined ? { reason } : { reason, cause },
  );
}
