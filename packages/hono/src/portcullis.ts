import type { FileAction } from '@portcullis/audit';
import {
  need,
  requireClientAddressSource,
  type SecurityContext,
  type SecurityRequest,
} from '@portcullis/core';
import { createPortcullisPipeline, type PortcullisConfig } from '@portcullis/http';
import type { Context, ErrorHandler, Handler, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { auditFileAccess } from './audit.js';
import { describedResponse, nodeOutgoing, securityRequestInput } from './http.js';
import {
  type PasswordPolicyFields,
  passwordPolicy,
  passwordResetConfirm,
  passwordResetRequest,
} from './password.js';
import { authClaims, requireAuth } from './tokens.js';
import { guardUploads, type HonoUploadsOptions } from './uploads.js';

/** The one Portcullis configuration, with Hono's upload options and peer address source. */
export interface HonoPortcullisConfig<R = unknown> extends PortcullisConfig<HonoUploadsOptions<R>> {
  /**
   * The socket peer on runtimes other than Node, e.g. `(c) => getConnInfo(c).remote.address`
   * from `hono/bun` or `hono/deno`. On @hono/node-server it is read from the bindings; on
   * Workers use the context's `clientAddressHeader: 'cf-connecting-ip'` instead.
   */
  remoteAddress?: ((c: Context) => string | undefined) | undefined;
}

/** The config keys Hono adds to the one config (checked with it at start-up). */
const ADAPTER_OPTIONS = { remoteAddress: true } as const;

/** What {@link portcullis} returns: the global middleware, plus the route-level pieces. */
export interface HonoPortcullis extends MiddlewareHandler {
  /** The app's security context (given, or built with no proxy trusted). */
  readonly context: SecurityContext;
  /** Verifies the access token; claims through `authClaims(c)`. */
  requireAuth(): MiddlewareHandler;
  /** The guarded `/metrics` handler (outside rate limiting, on the path of `scrape.path`). */
  metricsHandler(): Handler;
  /** Checks the new password of a set/change route. */
  passwordPolicy(fields?: PasswordPolicyFields): MiddlewareHandler;
  passwordResetRequest(): Handler;
  passwordResetConfirm(): Handler;
  /** Multipart uploads judged by their bytes, stored through the configured `store`. */
  uploads(): MiddlewareHandler;
  /** Audits a file route when its response ends; the user is the verified token's subject. */
  auditFile(action: FileAction, resource: (c: Context) => string | undefined): MiddlewareHandler;
  /** `app.onError` handler answering problem+json; unexpected errors go to `onError` (default `console.error`). */
  errorHandler(): ErrorHandler;
}

/**
 * Wires every configured Portcullis module into Hono in one call. The returned middleware
 * builds core's neutral request once (client resolved by the context, path as Hono routes it),
 * measures it, and rate-limits it, unknown routes included; its methods give the route-level
 * pieces. On Bun, Deno and Workers it refuses to start without a source for the client address.
 *
 * @example
 * ```ts
 * const context = createSecurityContext({ trustProxy: ['loopback'] });
 * const sec = portcullis({ context, rateLimit: LOGIN_HEALTH_DEFAULT_ZONES, tokens, metrics });
 * app.use(sec);
 * app.get('/me', sec.requireAuth(), (c) => c.json(authClaims(c)));
 * app.get('/metrics', sec.metricsHandler());
 * app.onError(sec.errorHandler());
 * ```
 */
export function portcullis<R = unknown>(config: HonoPortcullisConfig<R>): HonoPortcullis {
  const pipeline = createPortcullisPipeline(config, ADAPTER_OPTIONS);
  const { context } = pipeline;
  const remoteAddress = config.remoteAddress;
  // Core decides: on Bun, Deno or Workers without a source for the peer, start-up fails.
  const warnNoAddress = requireClientAddressSource(context, remoteAddress !== undefined);

  const neutral = (c: Context, measure: boolean): SecurityRequest => {
    const input = securityRequestInput(c, remoteAddress?.(c));
    if (input.remoteAddress === undefined) warnNoAddress();
    const request = measure ? pipeline.begin(input) : context.request(input);
    const existing = c.get('portcullis');
    if (existing) Object.assign(request.state, existing);
    c.set('portcullis', request.state);
    c.set('portcullisRequest', request);
    return request;
  };
  const requestOf = (c: Context): SecurityRequest => c.get('portcullisRequest') ?? neutral(c, false);

  const chain: MiddlewareHandler = async (c, next) => {
    const request = neutral(c, true);
    const self = c.req.routeIndex;
    const routeOf = () => (c.req.routeIndex === self ? undefined : routePath(c, -1));
    let status = 500;
    let route: string | undefined;
    try {
      const { headers, refusal } = await pipeline.admit(request);
      if (refusal) {
        status = refusal.status;
        const res = describedResponse(refusal);
        for (const [name, value] of Object.entries(headers)) res.headers.set(name, value);
        return res;
      }
      await next();
      route = routeOf();
      // After next(): the handler's response (or Hono's 404) exists now, whatever way it was built.
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
      status = c.res.status;
      return undefined;
    } finally {
      // On Node the response ends when its body has been written (or the client went away).
      const out = nodeOutgoing(c);
      if (out)
        out.once('close', () =>
          pipeline.end(request, {
            status: out.headersSent ? out.statusCode : 0,
            route,
            completed: out.writableFinished,
          }),
        );
      else pipeline.end(request, { status, route, completed: true });
    }
  };

  return Object.assign(chain, {
    context,
    requireAuth: () => requireAuth(need(config.tokens, 'tokens'), config.tokenOptions ?? {}),
    metricsHandler: (): Handler => {
      need(config.scrape?.source ?? config.metrics, 'metrics');
      return async (c) => {
        const request = requestOf(c);
        const result = await pipeline.scrape(request);
        if (!result.ok) return describedResponse(pipeline.describe(result.error, request));
        return c.body(result.body, 200, {
          'Content-Type': result.contentType,
          'Cache-Control': 'no-store',
          Vary: 'Accept',
        });
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
    auditFile: (action: FileAction, resource: (c: Context) => string | undefined) =>
      auditFileAccess({
        audit: need(config.audit, 'audit'),
        action,
        resource,
        userId: (c) => authClaims(c)?.sub,
        clientAddress: (input) => context.resolveClient(input),
        remoteAddress: remoteAddress,
      }),
    errorHandler: (): ErrorHandler => (err, c) => describedResponse(pipeline.describe(err, requestOf(c))),
  });
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Core's neutral request, built once by the `portcullis` middleware. */
    portcullisRequest: SecurityRequest;
  }
}
