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

/**
 * A token was missing, malformed, invalid, expired, revoked or reused. Always a 401 with a
 * `WWW-Authenticate: Bearer` challenge (RFC 6750 section 3). The message and detail never
 * contain the token, so logging the error cannot leak a credential.
 *
 * @example
 * ```ts
 * try { await tokens.verify(token) }
 * catch (err) { if (err instanceof TokenError && err.code === 'ERR_TOKEN_EXPIRED') refresh() }
 * ```
 */
export class TokenError extends PortcullisError<TokenErrorCode> {
  constructor(
    code: TokenErrorCode,
    detail?: string | undefined,
    options: Omit<PortcullisErrorOptions, 'detail' | 'headers'> & { realm?: string | undefined } = {},
  ) {
    const { realm, ...rest } = options;
    super(code, 401, TITLES[code], {
      ...rest,
      detail: detail ?? DEFAULT_DETAILS[code],
      headers: { 'WWW-Authenticate': challenge(code, realm) },
    });
    this.name = 'TokenError';
  }
}
