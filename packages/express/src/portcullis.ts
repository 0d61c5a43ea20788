import type { FileAction } from '@portcullis/audit';
import { need, type SecurityContext } from '@portcullis/core';
import { createPortcullisPipeline, type PortcullisConfig } from '@portcullis/http';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { auditFileAccess } from './audit.js';
import {
  bindSecurityRequest,
  routeOf,
  securityRequest,
  securityRequestInput,
  sendDescribed,
} from './http.js';
import {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
import { authClaims, requireAuth } from './tokens.js';
import { type ExpressUploadsOptions, guardUploads } from './uploads.js';

/** The one Portcullis configuration, with Express's upload options. */
export type ExpressPortcullisConfig<R = unknown> = PortcullisConfig<ExpressUploadsOptions<R>>;

/** What {@link portcullis} returns: the global middleware, plus the route-level pieces. */
export interface ExpressPortcullis extends RequestHandler {
  /** The app's security context (given, or built with no proxy trusted). */
  readonly context: SecurityContext;
  /** Verifies the access token; claims through `authClaims(req)`. */
  requireAuth(): RequestHandler;
  /** The guarded `/metrics` handler (outside rate limiting, on the path of `scrape.path`). */
  metricsHandler(): RequestHandler;
  /** Checks the new password of a set/change route (after `express.json()`). */
  passwordPolicy(fields?: PasswordPolicyFields): RequestHandler;
  passwordResetRequest(): RequestHandler;
  passwordResetConfirm(): RequestHandler;
  /** Multipart uploads judged by their bytes, stored through the configured `store`. */
  uploads(): RequestHandler;
  /** Audits a file route when its response ends; the user is the verified token's subject. */
  auditFile(action: FileAction, resource: (req: Request) => string | undefined): RequestHandler;
  /** Problem+json for every error that reaches Express; unexpected ones go to `onError`. Mount it last. */
  errorHandler(): ErrorRequestHandler;
}

/** Express's own `trust proxy` setting, when the app set one. */
function expressTrust(req: Request): ((address: string, index: number) => boolean) | undefined {
  const setting: unknown = req.app.get('trust proxy');
  if (setting === false || setting === undefined || setting === 0) return undefined;
  const fn: unknown = req.app.get('trust proxy fn');
  return typeof fn === 'function' ? (fn as (address: string, index: number) => boolean) : undefined;
}

/**
 * Wires every configured Portcullis module into Express in one call. The returned middleware
 * builds core's neutral request once (client resolved by the context, path as Express routes
 * it), measures it, and rate-limits it, unknown routes included; its methods give the
 * route-level pieces. Express's own `trust proxy`, when set and the context has no
 * `trustProxy`, becomes the context's one trust configuration.
 *
 * @example
 * ```ts
 * const context = createSecurityContext({ trustProxy: ['loopback'] });
 * const sec = portcullis({ context, rateLimit: LOGIN_HEALTH_DEFAULT_ZONES, tokens, metrics });
 * app.use(sec);
 * app.get('/me', sec.requireAuth(), (req, res) => res.json(authClaims(req)));
 * app.get('/metrics', sec.metricsHandler());
 * app.use(sec.errorHandler());
 * ```
 */
export function portcullis<R = unknown>(config: ExpressPortcullisConfig<R>): ExpressPortcullis {
  const pipeline = createPortcullisPipeline(config);
  const { context } = pipeline;
  let trustAdopted = false;

  const chain = (req: Request, res: Response, next: NextFunction): void => {
    if (!trustAdopted) {
      trustAdopted = true;
      const trust = expressTrust(req);
      if (trust) context.adoptTrustProxy(trust, "Express's 'trust proxy' setting");
    }
    const request = pipeline.begin(securityRequestInput(req));
    bindSecurityRequest(req, request);
    // Node emits 'close' once per response, after 'finish' or on an abort.
    res.once('close', () => {
      pipeline.end(request, {
        status: res.headersSent ? res.statusCode : 0,
        route: routeOf(req),
        completed: res.writableFinished,
      });
    });
    pipeline.admit(request).then(({ headers, refusal }) => {
      res.set(headers);
      if (refusal) sendDescribed(res, refusal);
      else next();
    }, next);
  };

  return Object.assign(chain, {
    context,
    requireAuth: () => requireAuth(need(config.tokens, 'tokens'), config.tokenOptions ?? {}),
    metricsHandler: (): RequestHandler => {
      need(config.scrape?.source ?? config.metrics, 'metrics');
      return (req, res, next) => {
        const request = securityRequest(req, context);
        pipeline.scrape(request).then((result) => {
          if (!result.ok) {
            sendDescribed(res, pipeline.describe(result.error, request));
            return;
          }
          res
            .status(200)
            .set({ 'Content-Type': result.contentType, 'Cache-Control': 'no-store', Vary: 'Accept' })
            .send(result.body);
        }, next);
      };
    },
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
        clientAddress: context.clientAddress,
      }),
    errorHandler:
      (): ErrorRequestHandler => (err: unknown, req: Request, res: Response, next: NextFunction) => {
        if (res.headersSent) {
          next(err);
          return;
        }
        sendDescribed(res, pipeline.describe(err, securityRequest(req, context)));
      },
  });
}
