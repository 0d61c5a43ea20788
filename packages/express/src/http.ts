import type { DescribedError } from '@portcullis/core';
import {
  type ClientAddressInput,
  describeError,
  jsonBodyError,
  type PortcullisRequestState,
  type SecurityContext,
  type SecurityRequest,
  type SecurityRequestInput,
} from '@portcullis/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import parseurl from 'parseurl';

export type { PortcullisRequestState } from '@portcullis/core';

declare global {
  namespace Express {
    interface Request {
      /** Results of the Portcullis middlewares that ran for this request (typed by core). */
      portcullis?: PortcullisRequestState;
    }
  }
}

/** The peer of an Express request, as core's client-address resolver reads it. */
export function clientAddressInput(req: Request): ClientAddressInput {
  return { remoteAddress: req.socket.remoteAddress, headers: req.headers };
}

/**
 * The path Express routes: its router matches `parseurl(req).pathname`, which turns `\` into
 * `/` whenever the target holds a `#` (Node's legacy URL parser). Reading the raw URL instead
 * would let `POST /auth\login#` reach the login handler while the limiter counts it elsewhere.
 */
export function routedPath(req: Request): string {
  return parseurl.original(req)?.pathname ?? '/';
}

/** Core's neutral request input for an Express request. */
export function securityRequestInput(req: Request): SecurityRequestInput {
  return {
    method: req.method,
    routedPath: routedPath(req),
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress,
  };
}

const requests = new WeakMap<Request, SecurityRequest>();

/** The neutral request of `req`: the one the global middleware built, or a new one from `context`. */
export function securityRequest(req: Request, context: SecurityContext): SecurityRequest {
  let request = requests.get(req);
  if (request === undefined) {
    request = context.request(securityRequestInput(req));
    if (req.portcullis) Object.assign(request.state, req.portcullis);
    bindSecurityRequest(req, request);
  }
  return request;
}

/** Makes `request` the neutral request of `req` (its state becomes `req.portcullis`). */
export function bindSecurityRequest(req: Request, request: SecurityRequest): void {
  requests.set(req, request);
  req.portcullis = request.state;
}

/** Writes a described error (core's `describeError`) as RFC 9457 problem+json. */
export function sendDescribed(res: Response, described: DescribedError): void {
  res.status(described.status).set(described.headers).send(JSON.stringify(described.body));
}

/** Writes any error as RFC 9457 problem+json (a non-Portcullis error becomes an opaque 500). */
export function sendProblem(res: Response, error: unknown, instance?: string): void {
  sendDescribed(res, describeError(error, instance));
}

/** Returns the request-scoped state object, creating it on first use. */
export function requestState(req: Request): PortcullisRequestState {
  req.portcullis ??= {};
  return req.portcullis;
}

/**
 * Express error handler answering problem+json for every error: Portcullis errors keep their
 * status, an app's own HTTP errors (`createError(403, ...)`) their status and message, anything
 * else is an opaque 500 handed to `onError` (default `console.error`). Mount it last.
 */
export function problemErrorHandler(
  onError?: (error: unknown) => void,
): (err: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const described = describeError(err, routedPath(req));
    if (described.internal)
      (onError ?? ((e: unknown) => console.error('portcullis: unhandled error', e)))(err);
    sendDescribed(res, described);
  };
}

/** The route template of a matched Express request (`req.baseUrl + req.route.path`). */
export function routeOf(req: Request): string | undefined {
  const route = req.route as { path?: unknown } | undefined;
  if (route === undefined) return undefined;
  const path = typeof route.path === 'string' ? route.path : String(route.path);
  return req.baseUrl + path;
}

/** Options of {@link jsonBody}. */
export interface JsonBodyOptions {
  /** Largest body accepted (express.json's `limit`). Default `100kb`. */
  limit?: string | number | undefined;
}

/**
 * `express.json()` that answers a body sent with any other media type with 415
 * `ERR_INPUT_MEDIA_TYPE` (as Fastify does) instead of letting the route run with no body: a
 * cross-site form post needs no CORS preflight. Malformed JSON stays a 400 through
 * `errorHandler`.
 *
 * @example
 * ```ts
 * app.use(jsonBody({ limit: '16kb' }), sec);
 * ```
 */
export function jsonBody(
  options: JsonBodyOptions = {},
): (req: Request, res: Response, next: NextFunction) => void {
  const parse = express.json({ limit: options.limit ?? '100kb' });
  return (req, res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const wrongType = jsonBodyError(req.headers['content-type'], hasBody);
    if (wrongType) {
      // Not parsed, not read: Node discards the rest of the body once the answer is sent.
      sendProblem(res, wrongType, routedPath(req));
      return;
    }
    parse(req, res, next);
  };
}
