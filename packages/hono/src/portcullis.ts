import type { AuditLog, FileAction } from '@portcullis/audit';
import { type ClientAddressResolver, ConfigError, createClientAddressResolver } from '@portcullis/core';
import type { Metrics, ScrapeHandlerOptions } from '@portcullis/metrics';
import type { MimeGuard } from '@portcullis/mime-guard';
import type { PasswordReset, PasswordValidator } from '@portcullis/password';
import type { RateLimitPolicy } from '@portcullis/rate-limit';
import type { TokenService } from '@portcullis/tokens';
import type { Context, ErrorHandler, Handler, MiddlewareHandler } from 'hono';
import { auditFileAccess } from './audit.js';
import { problemResponse } from './http.js';
import { metricsHandler, metricsMiddleware } from './metrics.js';
import {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
import { rateLimit } from './rate-limit.js';
import { authClaims, type HonoTokenOptions, requireAuth } from './tokens.js';
import { guardUploads, type HonoUploadsOptions } from './uploads.js';

/**
 * One Portcullis configuration for a whole Hono app: the modules already built (each with its
 * own defaults and stores); every field is optional and only what is given is wired.
 */
export interface HonoPortcullisConfig<R = unknown> {
  /** Core's resolver, shared with the modules so every one sees the same client. Default: socket peer only. */
  clientAddress?: ClientAddressResolver | undefined;
  /** The compiled rate-limit policy, applied to every request by the returned middleware. */
  rateLimit?: RateLimitPolicy | undefined;
  /** The token service behind `requireAuth()`. */
  tokens?: TokenService | undefined;
  /** Where the access token is read from besides `Authorization: Bearer`. */
  tokenOptions?: HonoTokenOptions | undefined;
  /** Measures every request; `metricsHandler()` serves it. */
  metrics?: Metrics | undefined;
  /** Guard of the `/metrics` endpoint (token, allow-list); `source` defaults to `metrics`. */
  scrape?: Partial<ScrapeHandlerOptions> | undefined;
  /** Validator behind `passwordPolicy()`. */
  passwordValidator?: PasswordValidator | undefined;
  /** Reset flow behind `passwordResetRequest()` / `passwordResetConfirm()`. */
  passwordReset?: PasswordReset | undefined;
  /** MIME guard and storage behind `uploads()` (put hono/body-limit in front of the route). */
  uploads?: ({ guard: MimeGuard } & HonoUploadsOptions<R>) | undefined;
  /** Audit log behind `auditFile()`. */
  audit?: Pick<AuditLog, 'fileAccessAfterResponse'> | undefined;
}

/** What {@link portcullis} returns: the global middleware, plus the route-level pieces. */
export interface HonoPortcullis extends MiddlewareHandler {
  /** Verifies the access token; claims through `authClaims(c)`. */
  requireAuth(): MiddlewareHandler;
  /** The guarded `/metrics` handler. */
  metricsHandler(): Handler;
  /** Checks the new password of a set/change route. */
  passwordPolicy(fields?: PasswordPolicyFields): MiddlewareHandler;
  passwordResetRequest(): Handler;
  passwordResetConfirm(): Handler;
  /** Multipart uploads judged by their bytes, stored through the configured `store`. */
  uploads(): MiddlewareHandler;
  /** Audits a file route after its handler; the user is the verified token's subject. */
  auditFile(action: FileAction, resource: (c: Context) => string | undefined): MiddlewareHandler;
  /** `app.onError` handler answering problem+json (a non-Portcullis error is an opaque 500). */
  errorHandler(): ErrorHandler;
}

function need<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`portcullis: ${name} is not configured`);
  return value;
}

/**
 * Wires every configured Portcullis module into Hono in one call. The returned middleware
 * measures (metrics) then rate-limits every request, unknown routes included; its methods give
 * the route-level pieces. It only composes this package's middleware, so each module stays
 * usable on its own.
 *
 * @example
 * ```ts
 * const sec = portcullis({ rateLimit: policy, tokens, metrics, passwordValidator: validator });
 * app.use(sec);
 * app.get('/me', sec.requireAuth(), (c) => c.json(authClaims(c)));
 * app.get('/metrics', sec.metricsHandler());
 * app.onError(sec.errorHandler());
 * ```
 */
export function portcullis<R = unknown>(config: HonoPortcullisConfig<R>): HonoPortcullis {
  const clientAddress = config.clientAddress ?? createClientAddressResolver();
  const measure = config.metrics && metricsMiddleware(config.metrics);
  const limit = config.rateLimit && rateLimit(config.rateLimit);
  const chain: MiddlewareHandler = async (c, next) => {
    if (!limit) return measure ? measure(c, next) : next();
    if (!measure) return limit(c, next);
    // A refusal is a Response returned by the limiter; hand it to the metrics middleware as the result.
    let refused: Response | undefined;
    await measure(c, async () => {
      const r = await limit(c, next);
      if (r instanceof Response) {
        refused = r;
        c.res = r;
      }
    });
    return refused;
  };
  return Object.assign(chain, {
    requireAuth: () => requireAuth(need(config.tokens, 'tokens'), config.tokenOptions ?? {}),
    metricsHandler: () =>
      metricsHandler({
        clientAddress,
        ...config.scrape,
        source: config.scrape?.source ?? need(config.metrics, 'metrics'),
      }),
    passwordPolicy: (fields?: PasswordPolicyFields) =>
      passwordPolicy(need(config.passwordValidator, 'passwordValidator'), fields),
    passwordResetRequest: () => passwordResetRequest(need(config.passwordReset, 'passwordReset')),
    passwordResetConfirm: () => passwordResetConfirm(need(config.passwordReset, 'passwordReset')),
    uploads: () => {
      const { guard, ...options } = need(config.uploads, 'uploads');
      return guardUploads<R>(guard, options);
    },
    auditFile: (action: FileAction, resource: (c: Context) => string | undefined) =>
      auditFileAccess({
        audit: need(config.audit, 'audit'),
        action,
        resource,
        userId: (c) => authClaims(c)?.sub,
        clientAddress,
      }),
    errorHandler: (): ErrorHandler => (err, c) => problemResponse(err, c.req.path),
  });
}
