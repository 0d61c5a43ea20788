import { accessTokenCookie, isPortcullisError, TOKEN_RESPONSE_HEADERS } from '@portcullis/core';
import { createBearerAuthenticator, tokensKit } from '@portcullis/http';
import type {
  AccessTokenClaims,
  AccessTokenVerifier,
  CustomClaims,
  TokenPair,
  TokenService,
} from '@portcullis/tokens';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { requestState, sendProblem } from './http.js';

/** Options of the Express token middlewares. */
export interface ExpressTokenOptions {
  /** Also read (and, in {@link sendTokenPair}, set) the access token in this `__Host-` cookie. */
  cookie?: string | undefined;
}

/** Claims of the verified access token of this request, set by {@link requireAuth}. */
export function authClaims<C extends CustomClaims = CustomClaims>(
  req: Request,
): AccessTokenClaims<C> | undefined {
  return req.portcullis?.auth as AccessTokenClaims<C> | undefined;
}

function fail(res: Response, next: NextFunction, err: unknown): void {
  if (isPortcullisError(err)) sendProblem(res, err, res.req.originalUrl.split('?')[0]);
  else next(err);
}

/**
 * Verifies the access token (`Authorization: Bearer`, or the configured `__Host-` cookie) and
 * exposes its claims through {@link authClaims}. A refused token is a 401 problem with
 * `WWW-Authenticate`; a revocation store outage a 503 (by default).
 *
 * @example
 * ```ts
 * app.get('/me', requireAuth(tokens), (req, res) => { res.json({ user: authClaims(req)?.sub }) });
 * ```
 */
export function requireAuth(tokens: AccessTokenVerifier, options: ExpressTokenOptions = {}): RequestHandler {
  const authenticate = createBearerAuthenticator(tokens, options);
  return async (req, res, next) => {
    try {
      requestState(req).auth = await authenticate(req.headers);
      next();
    } catch (err) {
      fail(res, next, err);
    }
  };
}

/** Sends a token pair as JSON with `Cache-Control: no-store`; sets the access cookie when configured. Use it at login. */
export function sendTokenPair(res: Response, pair: TokenPair, options: ExpressTokenOptions = {}): void {
  res.set(TOKEN_RESPONSE_HEADERS);
  if (options.cookie !== undefined)
    res.append('set-cookie', accessTokenCookie(options.cookie, pair.access_token, pair.expires_in));
  res.status(200).json(pair);
}

/** `POST` handler rotating the `refresh_token` of a JSON body (mount `express.json()` before it). */
export function refreshHandler(tokens: TokenService, options: ExpressTokenOptions = {}): RequestHandler {
  const kit = tokensKit(tokens);
  return async (req, res, next) => {
    try {
      const token = kit.tokenFromBody(req.body, 'refresh_token');
      if (token === undefined) throw kit.missingToken();
      sendTokenPair(res, await tokens.refresh(token), options);
    } catch (err) {
      fail(res, next, err);
    }
  };
}

/**
 * Logout: revokes the body's `token` (RFC 7009 name) or `refresh_token`, and the request's Bearer
 * token if any. Always 200, whether the tokens were valid, unknown or already revoked.
 */
export function logoutHandler(tokens: TokenService, options: ExpressTokenOptions = {}): RequestHandler {
  const kit = tokensKit(tokens);
  const extract = kit.createTokenExtractor(options);
  return async (req, res, next) => {
    try {
      await kit.revokeRequestTokens(tokens, { body: req.body, headers: req.headers }, extract);
      if (options.cookie !== undefined) res.append('set-cookie', accessTokenCookie(options.cookie, '', 0));
      res.set(TOKEN_RESPONSE_HEADERS).status(200).end();
    } catch (err) {
      fail(res, next, err);
    }
  };
}

/** "Log out everywhere" for the authenticated user; mount after {@link requireAuth}. Answers 204. */
export function logoutAllHandler(tokens: TokenService): RequestHandler {
  const kit = tokensKit(tokens);
  return async (req, res, next) => {
    try {
      const claims = authClaims(req);
      if (!claims) throw kit.missingToken();
      await tokens.revokeAll(claims.sub);
      res.status(204).end();
    } catch (err) {
      fail(res, next, err);
    }
  };
}
