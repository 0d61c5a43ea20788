import {
  ConfigError,
  checkOptions,
  type HeaderSource,
  isHostCookieName,
  type KnownOptions,
  readHeader,
} from '@portcullis/core';
import { TokenError } from './errors.js';

/** Options of {@link createTokenExtractor}. */
export interface TokenExtractorOptions {
  /**
   * Also read the access token from this cookie when there is no `Authorization` header. The name
   * must start with `__Host-` so the cookie is Secure, host-only and path `/` (RFC 6265bis
   * section 4.1.3.2). Default: header only.
   */
  cookie?: string | undefined;
}

/** Reads the access token of a request from its headers; `undefined` when none was sent. */
export type TokenExtractor = (headers: HeaderSource) => string | undefined;

/** RFC 6750 section 2.1 `b64token` (the Bearer credential grammar), bounded in length upstream. */
/** The token response helpers live in core (adapters send pairs without loading this module). */
export { accessTokenCookie, TOKEN_RESPONSE_HEADERS } from '@portcullis/core';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Builds the function that reads an access token from `Authorization: Bearer` (RFC 6750 section
 * 2.1) or, when configured, from a `__Host-` cookie. The query string is never read: tokens in
 * URLs leak into logs and Referer headers (RFC 6750 section 5.3).
 *
 * @example
 * ```ts
 * const extract = createTokenExtractor({ cookie: '__Host-access' });
 * const token = extract(req.headers);
 * ```
 */
export function createTokenExtractor(options: TokenExtractorOptions = {}): TokenExtractor {
  checkOptions('createTokenExtractor', options, {
    cookie: true,
  } satisfies KnownOptions<TokenExtractorOptions>);
  const { cookie } = options;
  if (cookie !== undefined && !isHostCookieName(cookie))
    throw new ConfigError('token cookie name must start with "__Host-" and be a valid cookie name');
  return (headers) => {
    const auth = readHeader(headers, 'authorization');
    if (auth !== undefined) {
      const space = auth.indexOf(' ');
      if (space < 0 || auth.slice(0, space).toLowerCase() !== 'bearer') return undefined;
      const value = auth.slice(space + 1).trim();
      if (!B64TOKEN.test(value))
        throw new TokenError('ERR_TOKEN_MALFORMED', 'the Bearer credential is not a b64token');
      return value;
    }
    if (cookie === undefined) return undefined;
    const header = readHeader(headers, 'cookie');
    if (header === undefined) return undefined;
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== cookie) continue;
      const value = part.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
    return undefined;
  };
}

/**
 * Reads a token parameter (`refresh_token`, `token`) from a parsed request body; `undefined`
 * unless the body is an object whose field is a string no longer than `maxLength`.
 */
export function tokenFromBody(body: unknown, name: string, maxLength = 4096): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const v = (body as Record<string, unknown>)[name];
  return typeof v === 'string' && v !== '' && v.length <= maxLength ? v : undefined;
}

/** What a logout request carries, as an adapter reads it. */
export interface LogoutRequest {
  /** The parsed body (`undefined` when there is none). */
  body: unknown;
  headers: HeaderSource;
}

/**
 * The logout decision every adapter shares: revokes the body's `token` (RFC 7009 section 2.1
 * name) or `refresh_token`, and the request's own access token. A malformed `Authorization`
 * header is ignored rather than refused, so the answer is the same for unknown, revoked or
 * broken tokens (RFC 7009 section 2.2). Store failures are not swallowed: they reject.
 *
 * @example
 * ```ts
 * const extract = createTokenExtractor();
 * await revokeRequestTokens(tokens, { body: req.body, headers: req.headers }, extract);
 * ```
 */
export async function revokeRequestTokens(
  tokens: { revoke(token: string): Promise<unknown> },
  request: LogoutRequest,
  extract: TokenExtractor,
): Promise<void> {
  const fromBody = tokenFromBody(request.body, 'token') ?? tokenFromBody(request.body, 'refresh_token');
  if (fromBody !== undefined) await tokens.revoke(fromBody);
  let bearer: string | undefined;
  try {
    bearer = extract(request.headers);
  } catch {
    bearer = undefined;
  }
  if (bearer !== undefined) await tokens.revoke(bearer);
}
