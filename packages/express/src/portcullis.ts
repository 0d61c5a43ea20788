import type { AuditLog, FileAction } from '@portcullis/audit';
import { type ClientAddressResolver, ConfigError, createClientAddressResolver } from '@portcullis/core';
import type { Metrics, ScrapeHandlerOptions } from '@portcullis/metrics';
import type { MimeGuard } from '@portcullis/mime-guard';
import type { PasswordReset, PasswordValidator } from '@portcullis/password';
import type { RateLimitPolicy } from '@portcullis/rate-limit';
import type { TokenService } from '@portcullis/tokens';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { auditFileAccess } from './audit.js';
import { problemErrorHandler } from './http.js';
import { metricsHandler, metricsMiddleware } from './metrics.js';
import {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
import { rateLimit } from './rate-limit.js';
import { authClaims, type ExpressTokenOptions, requireAuth } from './tokens.js';
import { type ExpressUploadsOptions, guardUploads } from './uploads.js';

/**
 * One Portcullis configuration for a whole Express app: the modules already built (each with
 * its own defaults and stores); every field is optional and only what is given is wired.
 */
export interface ExpressPortcullisConfig<R = unknown> {
  /** Core's resolver, shared with the modules so every one sees the same client. Default: socket peer only. */
  clientAddress?: ClientAddressResolver | undefined;
  /** The compiled rate-limit policy, applied to every request by the returned middleware. */
  rateLimit?: RateLimitPolicy | undefined;
  /** The token service behind `requireAuth()`. */
  tokens?: TokenService | undefined;
  /** Where the access token is read from besides `Authorization: Bearer`. */
  tokenOptions?: ExpressTokenOptions | undefined;
  /** Measures every request; `metricsHandler()` serves it. */
  metrics?: Metrics | undefined;
  /** Guard of the `/metrics` endpoint (token, allow-list); `source` defaults to `metrics`. */
  scrape?: Partial<ScrapeHandlerOptions> | undefined;
  /** Validator behind `passwordPolicy()`. */
  passwordValidator?: PasswordValidator | undefined;
  /** Reset flow behind `passwordResetRequest()` / `passwordResetConfirm()`. */
  passwordReset?: PasswordReset | undefined;
  /** MIME guard and storage behind `uploads()`. */
  uploads?: ({ guard: MimeGuard } & ExpressUploadsOptions<R>) | undefined;
  /** Audit log behind `auditFile()`. */
  audit?: Pick<AuditLog, 'fileAccessAfterResponse'> | undefined;
}

/** What {@link portcullis} returns: the global middleware, plus the route-level pieces. */
export interface ExpressPortcullis extends RequestHandler {
  /** Verifies the access token; claims through `authClaims(req)`. */
  requireAuth(): RequestHandler;
  /** The guarded `/metrics` handler. */
  metricsHandler(): RequestHandler;
  /** Checks the new password of a set/change route (after `express.json()`). */
  passwordPolicy(fields?: PasswordPolicyFields): RequestHandler;
  passwordResetRequest(): RequestHandler;
  passwordResetConfirm(): RequestHandler;
  /** Multipart uploads judged by their bytes, stored through the configured `store`. */
  uploads(): RequestHandler;
  /** Audits a file route when its response ends; the user is the verified token's subject. */
  auditFile(action: FileAction, resource: (req: Request) => string | undefined): RequestHandler;
  /** Problem+json for every error that reaches Express; mount it last. */
  errorHandler(): ErrorRequestHandler;
}

function need<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`portcullis: ${name} is not configured`);
  return value;
}

/**
 * Wires every configured Portcullis module into Express in one call. The returned middleware
 * measures (metrics) then rate-limits every request, unknown routes included; its methods give
 * the route-level pieces. It only composes the adapter functions of this package, so each
 * module stays usable on its own.
 *
 * @example
 * ```ts
 * const sec = portcullis({ rateLimit: policy, tokens, metrics, passwordValidator: validator });
 * app.use(sec);
 * app.get('/me', sec.requireAuth(), (req, res) => res.json(authClaims(req)));
 * app.get('/metrics', sec.metricsHandler());
 * app.use(sec.errorHandler());
 * ```
 */
export function portcullis<R = unknown>(config: ExpressPortcullisConfig<R>): ExpressPortcullis {
  const clientAddress = config.clientAddress ?? createClientAddressResolver();
  const measure = config.metrics && metricsMiddleware(config.metrics);
  const limit = config.rateLimit && rateLimit(config.rateLimit);
  const chain = (req: Request, res: Response, next: NextFunction): void => {
    const afterMeasure = (err?: unknown) => {
      if (err !== undefined) next(err);
      else if (limit) void limit(req, res, next);
      else next();
    };
    if (measure) measure(req, res, afterMeasure);
    else afterMeasure();
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
    auditFile: (action: FileAction, resource: (req: Request) => string | undefined) =>
      auditFileAccess({
        audit: need(config.audit, 'audit'),
        action,
        resource,
        userId: (req) => authClaims(req)?.sub,
        clientAddress,
      }),
    errorHandler: () => problemErrorHandler(),
  });
}
