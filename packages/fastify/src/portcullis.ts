import type { FileAction } from '@portcullis/audit';
import { InputError, need, type SecurityContext, type SecurityRequest } from '@portcullis/core';
import { createPortcullisPipeline, type PortcullisConfig } from '@portcullis/http';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import { auditFileAccess } from './audit.js';
import { securityRequestInput, sendDescribed, sendProblem } from './http.js';
import {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
import { authClaims, requireAuth } from './tokens.js';
import { type FastifyUploadsOptions, guardUploads } from './uploads.js';

/** The one Portcullis configuration, with Fastify's upload options. */
export type FastifyPortcullisConfig<R = unknown> = PortcullisConfig<FastifyUploadsOptions<R>>;

type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** The route-level pieces, decorated on the instance as `app.portcullis`. */
export interface FastifyPortcullis {
  /** The app's security context (given, or built with no proxy trusted). */
  readonly context: SecurityContext;
  /** preHandler verifying the access token; claims through `authClaims(request)`. */
  requireAuth: preHandlerAsyncHookHandler;
  /** The guarded `/metrics` handler (outside rate limiting, on the path of `scrape.path`). */
  metricsHandler: RouteHandler;
  /** preHandler checking the new password of a set/change route. */
  passwordPolicy(fields?: PasswordPolicyFields): RouteHandler;
  passwordResetRequest: RouteHandler;
  passwordResetConfirm: RouteHandler;
  /** preHandler judging multipart uploads by their bytes, stored through the configured `store`. */
  uploads: preHandlerAsyncHookHandler;
  /** onRequest hook auditing a file route when its response ends; the user is the token's subject. */
  auditFile(
    action: FileAction,
    resource: (request: FastifyRequest) => string | undefined,
  ): onRequestAsyncHookHandler;
  /**
   * For `app.setErrorHandler`: problem+json for every error. Portcullis errors keep their status,
   * an app's own HTTP errors their status and message, schema validation its message; anything
   * else is an opaque 500, logged with `request.log.error` (or given to `onError`).
   */
  errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /**
   * Answers what Fastify refuses before any hook runs (a malformed URL such as `/files/%`):
   * measured, rate-limited and answered as problem+json without echoing the URL. Wired by
   * {@link portcullisServerOptions}.
   */
  frameworkError(error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The route-level Portcullis pieces registered by `portcullis`. */
    portcullis: FastifyPortcullis;
  }
  interface FastifyRequest {
    /** Core's neutral request, built once by the `portcullis` plugin. */
    portcullisRequest?: SecurityRequest | undefined;
  }
}

/**
 * Keys Fastify's own `register(plugin, options)` reads from the same object; they are not
 * Portcullis options but may sit beside them.
 */
const FASTIFY_REGISTER_OPTIONS = { prefix: true, logLevel: true, logSerializers: true } as const;

async function plugin(
  fastify: Parameters<FastifyPluginAsync>[0],
  config: FastifyPortcullisConfig,
): Promise<void> {
  const pipeline = createPortcullisPipeline(config, FASTIFY_REGISTER_OPTIONS);
  const { context } = pipeline;
  const neutral = (request: FastifyRequest): SecurityRequest => {
    let r = request.portcullisRequest;
    if (r === undefined) {
      r = context.request(securityRequestInput(request));
      if (request.portcullis) Object.assign(r.state, request.portcullis);
      request.portcullisRequest = r;
      request.portcullis = r.state;
    }
    return r;
  };
  const admitAndMeasure = async (request: FastifyRequest, reply: FastifyReply) => {
    const r = pipeline.begin(securityRequestInput(request));
    request.portcullisRequest = r;
    request.portcullis = r.state;
    const { headers, refusal } = await pipeline.admit(r);
    reply.headers(headers);
    if (refusal) return sendDescribed(reply, refusal);
    return undefined;
  };
  fastify.decorateRequest('portcullisRequest', undefined);
  // onRequest runs for every request, unknown routes and 404s included, before the body is read.
  fastify.addHook('onRequest', admitAndMeasure);
  // onResponse runs once the response has been sent, not when the handler returns.
  fastify.addHook('onResponse', async (request, reply) => {
    const r = request.portcullisRequest;
    if (r) pipeline.end(r, { status: reply.statusCode, route: request.routeOptions.url, completed: true });
  });
  fastify.addHook('onRequestAbort', async (request) => {
    const r = request.portcullisRequest;
    if (r) pipeline.end(r, { status: 0, route: request.routeOptions.url, completed: false });
  });

  const scrapeSource = config.scrape?.source ?? config.metrics;
  const uploads = config.uploads;
  const requireAuthHook = config.tokens && requireAuth(config.tokens, config.tokenOptions ?? {});
  const scrape: RouteHandler | undefined =
    scrapeSource &&
    (async (request, reply) => {
      const r = neutral(request);
      const result = await pipeline.scrape(r);
      if (!result.ok) return sendDescribed(reply, pipeline.describe(result.error, r));
      return reply
        .code(200)
        .headers({ 'content-type': result.contentType, 'cache-control': 'no-store', vary: 'Accept' })
        .send(result.body);
    });
  const resetRequest = config.passwordReset && passwordResetRequest(config.passwordReset);
  const resetConfirm = config.passwordReset && passwordResetConfirm(config.passwordReset);
  const uploadsHook = uploads && guardUploads(uploads.guard, uploads);
  // Getters: using a piece whose module is not configured fails when the route is declared
  // (a ConfigError at start-up), as it does with the Express and Hono entry points.
  const pieces: FastifyPortcullis = {
    context,
    get requireAuth() {
      return need(requireAuthHook, 'tokens');
    },
    get metricsHandler() {
      return need(scrape, 'metrics');
    },
    passwordPolicy: (fields) => passwordPolicy(need(config.passwordValidator, 'passwordValidator'), fields),
    get passwordResetRequest() {
      return need(resetRequest, 'passwordReset');
    },
    get passwordResetConfirm() {
      return need(resetConfirm, 'passwordReset');
    },
    get uploads() {
      return need(uploadsHook, 'uploads');
    },
    auditFile: (action, resource) =>
      auditFileAccess({
        audit: need(config.audit, 'audit'),
        action,
        resource,
        userId: (request) => authClaims(request)?.sub,
        clientAddress: context.clientAddress,
      }),
    errorHandler: (error, request, reply) =>
      sendDescribed(
        reply,
        pipeline.describe(error, neutral(request), (e) => request.log.error({ err: e }, 'unhandled error')),
      ),
    async frameworkError(error, request, reply) {
      const refused = await admitAndMeasure(request, reply);
      reply.raw.once('close', () => {
        const r = request.portcullisRequest;
        if (r)
          pipeline.end(r, {
            status: reply.statusCode,
            route: undefined,
            completed: reply.raw.writableFinished,
          });
      });
      if (refused) return refused;
      const code = (error as { code?: unknown } | null)?.code;
      const detail =
        code === 'FST_ERR_BAD_URL'
          ? 'the request target is not a valid URL'
          : 'the request could not be routed';
      // No `instance`: the target is what was malformed, and it is not echoed back.
      return sendDescribed(reply, pipeline.describe(new InputError('ERR_INPUT_INVALID', detail), undefined));
    },
  };
  fastify.decorate('portcullis', pieces);
}

/**
 * Fastify plugin wiring every configured Portcullis module in one call: one neutral request per
 * request (client resolved by the context), metrics and the rate limit as root hooks (every
 * route, 404s included), and the route-level pieces as the `app.portcullis` decorator.
 *
 * @example
 * ```ts
 * const context = createSecurityContext({ trustProxy: ['loopback'] });
 * const app = Fastify(portcullisServerOptions());
 * await app.register(portcullis, { context, rateLimit: LOGIN_HEALTH_DEFAULT_ZONES, tokens, metrics });
 * app.setErrorHandler(app.portcullis.errorHandler);
 * ```
 */
export const portcullis: FastifyPluginAsync<FastifyPortcullisConfig> = fastifyPlugin(plugin, {
  fastify: '5.x',
  name: '@portcullis/fastify',
});

/**
 * Fastify server options that route what Fastify refuses before any hook (malformed URLs) through
 * Portcullis: the request is measured and rate-limited and gets a problem+json 400 that does not
 * echo the URL. Spread them into `Fastify({ ...portcullisServerOptions(), logger: true })`.
 */
export function portcullisServerOptions(): Pick<FastifyServerOptions, 'frameworkErrors'> {
  return {
    frameworkErrors: (error, request, reply) => {
      const pieces = (request.server as { portcullis?: FastifyPortcullis } | undefined)?.portcullis;
      if (pieces) {
        void pieces.frameworkError(error, request, reply);
        return;
      }
      // The plugin is not registered on this instance: still no echo of the URL.
      void sendProblem(
        reply as FastifyReply,
        new InputError('ERR_INPUT_INVALID', 'the request target is not a valid URL'),
      );
    },
  };
}
