import type { AuditLog, FileAction } from '@portcullis/audit';
import { type ClientAddressResolver, ConfigError, createClientAddressResolver } from '@portcullis/core';
import type { Metrics, ScrapeHandlerOptions } from '@portcullis/metrics';
import type { MimeGuard } from '@portcullis/mime-guard';
import type { PasswordReset, PasswordValidator } from '@portcullis/password';
import type { RateLimitPolicy } from '@portcullis/rate-limit';
import type { TokenService } from '@portcullis/tokens';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import { auditFileAccess } from './audit.js';
import { sendProblem } from './http.js';
import { metricsHandler, portcullisMetrics } from './metrics.js';
import {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
import { rateLimitPlugin } from './rate-limit.js';
import { authClaims, type FastifyTokenOptions, requireAuth } from './tokens.js';
import { type FastifyUploadsOptions, guardUploads } from './uploads.js';

/**
 * One Portcullis configuration for a whole Fastify app: the modules already built (each with
 * its own defaults and stores); every field is optional and only what is given is wired.
 */
export interface FastifyPortcullisConfig<R = unknown> {
  /** Core's resolver, shared with the modules so every one sees the same client. Default: socket peer only. */
  clientAddress?: ClientAddressResolver | undefined;
  /** The compiled rate-limit policy, applied to every request (`onRequest`, 404s included). */
  rateLimit?: RateLimitPolicy | undefined;
  /** The token service behind `requireAuth`. */
  tokens?: TokenService | undefined;
  /** Where the access token is read from besides `Authorization: Bearer`. */
  tokenOptions?: FastifyTokenOptions | undefined;
  /** Measures every request; `metricsHandler` serves it. */
  metrics?: Metrics | undefined;
  /** Guard of the `/metrics` endpoint (token, allow-list); `source` defaults to `metrics`. */
  scrape?: Partial<ScrapeHandlerOptions> | undefined;
  /** Validator behind `passwordPolicy()`. */
  passwordValidator?: PasswordValidator | undefined;
  /** Reset flow behind `passwordResetRequest` / `passwordResetConfirm`. */
  passwordReset?: PasswordReset | undefined;
  /** MIME guard and storage behind `uploads` (register @fastify/multipart yourself). */
  uploads?: ({ guard: MimeGuard } & FastifyUploadsOptions<R>) | undefined;
  /** Audit log behind `auditFile()`. */
  audit?: Pick<AuditLog, 'fileAccessAfterResponse'> | undefined;
}

type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** The route-level pieces, decorated on the instance as `app.portcullis`. */
export interface FastifyPortcullis {
  /** preHandler verifying the access token; claims through `authClaims(request)`. */
  requireAuth: preHandlerAsyncHookHandler;
  /** The guarded `/metrics` handler. */
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
   * For `app.setErrorHandler`: problem+json for every error (Portcullis errors keep their
   * status, Fastify's own 4xx keep theirs, anything else is an opaque 500).
   */
  errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The route-level Portcullis pieces registered by `portcullis`. */
    portcullis: FastifyPortcullis;
  }
}

function need<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`portcullis: ${name} is not configured`);
  return value;
}

async function plugin(
  fastify: Parameters<FastifyPluginAsync>[0],
  config: FastifyPortcullisConfig,
): Promise<void> {
  const clientAddress = config.clientAddress ?? createClientAddressResolver();
  // Metrics first, so the rate limiter's refusals are measured too.
  if (config.metrics) await fastify.register(portcullisMetrics, { metrics: config.metrics });
  if (config.rateLimit) await fastify.register(rateLimitPlugin, { policy: config.rateLimit });
  const source = config.scrape?.source ?? config.metrics;
  const uploads = config.uploads;
  const requireAuthHook = config.tokens && requireAuth(config.tokens, config.tokenOptions ?? {});
  const scrape = source && metricsHandler({ clientAddress, ...config.scrape, source });
  const resetRequest = config.passwordReset && passwordResetRequest(config.passwordReset);
  const resetConfirm = config.passwordReset && passwordResetConfirm(config.passwordReset);
  const uploadsHook = uploads && guardUploads(uploads.guard, uploads);
  // Getters: using a piece whose module is not configured fails when the route is declared
  // (a ConfigError at start-up), as it does with the Express and Hono entry points.
  const pieces: FastifyPortcullis = {
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
        clientAddress,
      }),
    errorHandler: (error, request, reply) => sendProblem(reply, error, request.url.split('?')[0]),
  };
  fastify.decorate('portcullis', pieces);
}

/**
 * Fastify plugin wiring every configured Portcullis module in one call: metrics and the
 * rate-limit policy as root hooks (every route, 404s included), and the route-level pieces as
 * the `app.portcullis` decorator. It only composes this package's plugins and hooks, so each
 * module stays usable on its own.
 *
 * @example
 * ```ts
 * await app.register(portcullis, { rateLimit: policy, tokens, metrics, passwordValidator: validator });
 * app.get('/me', { preHandler: app.portcullis.requireAuth }, async (request) => authClaims(request));
 * app.get('/metrics', app.portcullis.metricsHandler);
 * ```
 */
export const portcullis: FastifyPluginAsync<FastifyPortcullisConfig> = fastifyPlugin(plugin, {
  fastify: '5.x',
  name: '@portcullis/fastify',
});
