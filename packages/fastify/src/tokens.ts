import { accessTokenCookie, jsonBodyError, TOKEN_RESPONSE_HEADERS } from '@portcullis/core';
import { createBearerAuthenticator, tokensKit } from '@portcullis/http';
import type {
  AccessTokenClaims,
  AccessTokenVerifier,
  CustomClaims,
  TokenPair,
  TokenService,
} from '@portcullis/tokens';
import type {
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import { requestState, sendProblem } from './http.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler verifying the access token; registered by {@link portcullisTokens}. */
    requireAuth: preHandlerAsyncHookHandler;
  }
}

/** Options of the Fastify token hooks and handlers. */
export interface FastifyTokenOptions {
  /** Also read (and, in {@link sendTokenPair}, set) the access token in this `__Host-` cookie. */
  cookie?: string | undefined;
}

/** Options of {@link portcullisTokens}. */
export interface PortcullisTokensPluginOptions extends FastifyTokenOptions {
  tokens: TokenService;
}

/** Claims of the verified access token of this request, set by {@link requireAuth}. */
export function authClaims<C extends CustomClaims = CustomClaims>(
  request: FastifyRequest,
): AccessTokenClaims<C> | undefined {
  return request.portcullis?.auth as AccessTokenClaims<C> | undefined;
}

/**
 * preHandler verifying the access token (`Authorization: Bearer`, or the configured `__Host-`
 * cookie); claims through {@link authClaims}. A refused token is a 401 problem with
 * `WWW-Authenticate`, a revocation store outage a 503 (by default).
 *
 * @example
 * ```ts
 * app.get('/me', { preHandler: requireAuth(tokens) }, async (request) => ({ user: authClaims(request)?.sub }));
 * ```
 */
export function requireAuth(
  tokens: AccessTokenVerifier,
  options: FastifyTokenOptions = {},
): preHandlerAsyncHookHandler {
  const authenticate = createBearerAuthenticator(tokens, options);
  return async function requireAuthHook(request, reply) {
    try {
      requestState(request).auth = await authenticate(request.headers);
    } catch (err) {
      return sendProblem(reply, err, request.url.split('?')[0]);
    }
  };
}

/** Sends a token pair with `Cache-Control: no-store`; sets the access cookie when configured. Use it at login. */
export function sendTokenPair(
  reply: FastifyReply,
  pair: TokenPair,
  options: FastifyTokenOptions = {},
): FastifyReply {
  reply.headers(TOKEN_RESPONSE_HEADERS);
  if (options.cookie !== undefined)
    reply.header('set-cookie', accessTokenCookie(options.cookie, pair.access_token, pair.expires_in));
  return reply.code(200).send(pair);
}

/** Route handler rotating the `refresh_token` of the JSON body. */
export function refreshHandler(tokens: TokenService, options: FastifyTokenOptions = {}) {
  const kit = tokensKit(tokens);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const wrongType = jsonBodyError(request.headers['content-type'], request.body !== undefined);
      if (wrongType) throw wrongType;
      const token = kit.tokenFromBody(request.body, 'refresh_token');
      if (token === undefined) throw kit.missingToken();
      return sendTokenPair(reply, await tokens.refresh(token), options);
    } catch (err) {
      return sendProblem(reply, err, request.url.split('?')[0]);
    }
  };
}

/**
 * Logout: revokes the body's `token` (RFC 7009 name) or `refresh_token`, and the request's Bearer
 * token if any. Always 200, whether the tokens were valid, unknown or already revoked.
 */
export function logoutHandler(tokens: TokenService, options: FastifyTokenOptions = {}) {
  const kit = tokensKit(tokens);
  const extract = kit.createTokenExtractor(options);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const wrongType = jsonBodyError(request.headers['content-type'], request.body !== undefined);
      if (wrongType) throw wrongType;
      await kit.revokeRequestTokens(tokens, { body: request.body, headers: request.headers }, extract);
      if (options.cookie !== undefined) reply.header('set-cookie', accessTokenCookie(options.cookie, '', 0));
      return reply.headers(TOKEN_RESPONSE_HEADERS).code(200).send();
    } catch (err) {
      return sendProblem(reply, err, request.url.split('?')[0]);
    }
  };
}

/** "Log out everywhere" for the authenticated user; use after {@link requireAuth}. Answers 204. */
export function logoutAllHandler(tokens: TokenService) {
  const kit = tokensKit(tokens);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const claims = authClaims(request);
      if (!claims) throw kit.missingToken();
      await tokens.revokeAll(claims.sub);
      return reply.code(204).send();
    } catch (err) {
      return sendProblem(reply, err, request.url.split('?')[0]);
    }
  };
}

const plugin: FastifyPluginCallback<PortcullisTokensPluginOptions> = (fastify, options, done) => {
  // A ConfigError must reach register()'s caller: thrown here, it would leave the plugin pending.
  try {
    fastify.decorate('requireAuth', requireAuth(options.tokens, { cookie: options.cookie }));
  } catch (error) {
    done(error as Error);
    return;
  }
  done();
};

/**
 * Fastify plugin decorating the instance with `requireAuth` (a preHandler), the framework's
 * usual shape for authentication.
 *
 * @example
 * ```ts
 * await app.register(portcullisTokens, { tokens });
 * app.get('/me', { preHandler: app.requireAuth }, async (request) => authClaims(request));
 * ```
 */
export const portcullisTokens: FastifyPluginCallback<PortcullisTokensPluginOptions> = fastifyPlugin(plugin, {
  fastify: '5.x',
  name: '@portcullis/fastify/tokens',
});
