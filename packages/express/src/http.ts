import type { ClientAddressInput } from '@portcullis/core';
import { toProblemResponse } from '@portcullis/core';
import type { NextFunction, Request, Response } from 'express';

/** What Portcullis modules stash on the request (`req.portcullis`). Modules add their fields. */
export interface PortcullisRequestState {
  [module: string]: unknown;
}

declare global {
  namespace Express {
    interface Request {
      /** Results of the Portcullis middlewares that ran for this request. */
      portcullis?: PortcullisRequestState;
    }
  }
}

/** The peer of an Express request, as core's client-address resolver reads it. */
export function clientAddressInput(req: Request): ClientAddressInput {
  return { remoteAddress: req.socket.remoteAddress, headers: req.headers };
}

/** Writes any error as RFC 9457 problem+json (a non-Portcullis error becomes an opaque 500). */
export function sendProblem(res: Response, error: unknown, instance?: string): void {
  const { status, headers, body } = toProblemResponse(error, instance);
  res.status(status).set(headers).send(JSON.stringify(body));
}

/** Returns the request-scoped state object, creating it on first use. */
export function requestState(req: Request): PortcullisRequestState {
  req.portcullis ??= {};
  return req.portcullis;
}

/**
 * Express error handler answering problem+json for every error (Portcullis errors keep their
 * status; anything else is an opaque 500). Mount it last.
 */
export function problemErrorHandler(): (
  err: unknown,
  req: Request,
  res: Response,
  next: NextFunction,
) => void {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    sendProblem(res, err, req.originalUrl.split('?')[0]);
  };
}
