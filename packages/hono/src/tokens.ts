import { accessTokenCookie, TOKEN_RESPONSE_HEADERS } from '@portcullis/core';
import { createBearerAuthenticator, tokensKit } from '@portcullis/http';
import type {
  AccessTokenClaims,
  AccessTokenVerifier,
  CustomClaims,
  TokenPair,
  TokenService,
} from '@portcullis/tokens';
import type { Context, Handler, MiddlewareHandler } from 'hono';
import { problemResponse, readJsonBody, requestState } from './http.js';

/** Options of the Hono token middleware and handlers. */
export interface HonoTokenOptions {
  /** Also read (and, in {@link tokenPairResponse}, set) the access token in this `__Host-` cookie. */
  cookie?: string | undefined;
}

/** Claims of the verified access token of this request, set by {@link requireAuth}. */
export function authClaims<C extends CustomClaims = CustomClaims>(
  c: Context,
): AccessTokenClaims<C> | undefined {
  return (c.get('portcullis') as { auth?: unknown } | undefined)?.auth as AccessTokenClaims<C> | undefined;
}

/**
 * Middleware verifying the access token (`Authorization: Bearer`, or the configured `__Host-`
 * cookie); claims through {@link authClaims}. A refused token is a 401 problem with
 * `WWW-Authenticate`, a revocation store outage a 503 (by default).
 *
 * @example
 * ```ts
 * app.get('/me', requireAuth(tokens), (c) => c.json({ user: authClaims(c)?.sub }));
 * ```
 */
export function requireAuth(tokens: AccessTokenVerifier, options: HonoTokenOptions = {}): MiddlewareHandler {
  const authenticate = createBearerAuthenticator(tokens, options);
  return async (c, next) => {
    try {
      requestState(c).auth = await authenticate(c.req.raw.headers);
    } catch (err) {
      return problemResponse(err, c.req.path);
    }
    return next();
  };
}

/** A token-pair response with `Cache-Control: no-store`; sets the access cookie when configured. Use it at login. */
export function sendTokenPair(
  _c: Context | undefined,
  pair: TokenPair,
  options: HonoTokenOptions = {},
): Response {
  const headers = new Headers({ ...TOKEN_RESPONSE_HEADERS, 'content-type': 'application/json' });
  if (options.cookie !== undefined)
    headers.append('set-cookie', accessTokenCookie(options.cookie, pair.access_token, pair.expires_in));
  return new Response(JSON.stringify(pair), { status: 200, headers });
}

/**
 * A token-pair response.
 * @deprecated Use {@link sendTokenPair} (one name across the three adapters).
 */
export function tokenPairResponse(pair: TokenPair, options: HonoTokenOptions = {}): Response {
  return sendTokenPair(undefined, pair, options);
}

/** Handler rotating the `refresh_token` of the JSON body. */
export function refreshHandler(tokens: TokenService, options: HonoTokenOptions = {}): Handler {
  const kit = tokensKit(tokens);
  return async (c) => {
    try {
      const token = kit.tokenFromBody(await readJsonBody(c), 'refresh_token');
      if (token === undefined) throw kit.missingToken();
      return sendTokenPair(c, await tokens.refresh(token), options);
    } catch (err) {
      return problemResponse(err, c.req.path);
    }
  };
}

/**
 * Logout: revokes the body's `token` (RFC 7009 name) or `refresh_token`, and the request's Bearer
 * token if any. Always 200, whether the tokens were valid, unknown or already revoked.
 */
export function logoutHandler(tokens: TokenService, options: HonoTokenOptions = {}): Handler {
  const kit = tokensKit(tokens);
  const extract = kit.createTokenExtractor(options);
  return async (c) => {
    try {
      const body = await readJsonBody(c);
      await kit.revokeRequestTokens(tokens, { body: body, headers: c.req.raw.headers }, extract);
      const headers = new Headers(TOKEN_RESPONSE_HEADERS);
      if (options.cookie !== undefined)
        headers.append('set-cookie', accessTokenCookie(options.cookie, '', 0));
      return new Response(null, { status: 200, headers });
    } catch (err) {
      return problemResponse(err, c.req.path);
    }
  };
}

/** "Log out everywhere" for the authenticated user; mount after {@link requireAuth}. Answers 204. */
export function logoutAllHandler(tokens: TokenService): Handler {
  const kit = tokensKit(tokens);
  return async (c) => {
    try {
      const claims = authClaims(c);
      if (!claims) throw kit.missingToken();
      await tokens.revokeAll(claims.sub);
      return new Response(null, { status: 204 });
    } catch (err) {
      return problemResponse(err, c.req.path);
    }
  };
}
