import type { AuditLog, FileAction } from '@portcullis/audit';
import type { ClientAddressResolver } from '@portcullis/core';
import { auditKit } from '@portcullis/http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { clientAddressInput, requestState } from './http.js';

/** Options of {@link auditFileAccess}. */
export interface ExpressAuditOptions {
  /** The audit log (`createAuditLog`). */
  audit: Pick<AuditLog, 'fileAccessAfterResponse'>;
  /** What the route does to the file. */
  action: FileAction;
  /** The file accessed, e.g. `(req) => req.params.id` (read before the handler runs). */
  resource: (req: Request) => string | undefined;
  /** The verified subject, read when the response ends, e.g. `(req) => authClaims(req)?.sub`. */
  userId: (req: Request) => string | undefined;
  /** Core's client-address resolver (its `trustProxy` decides which headers count). */
  clientAddress: ClientAddressResolver;
  /** The request id, if the app has one. */
  requestId?: ((req: Request) => string | undefined) | undefined;
}

/**
 * Route-level Express middleware auditing a file route: when the response ends, one
 * `fileAccess` record with the user id, the outcome from the status (core's
 * `outcomeFromStatus`), the client address and the request context. A request that ends
 * before its response is finished is a `failure` with reason `ABORTED`. Put it before the auth
 * middleware so that refusals are audited too.
 *
 * @example
 * ```ts
 * const resolve = createClientAddressResolver();
 * app.get('/files/:id',
 *   auditFileAccess({ audit, action: 'read', resource: (req) => req.params.id, userId: (req) => authClaims(req)?.sub, clientAddress: resolve }),
 *   requireAuth(tokens), download);
 * ```
 */
export function auditFileAccess(options: ExpressAuditOptions): RequestHandler {
  const { audit, action } = options;
  const { fileTransferOutcome } = auditKit(audit);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const context = {
        action,
        resource: options.resource(req) ?? '',
        method: req.method,
        route: req.route ? `${req.baseUrl}${String(req.route.path)}` : undefined,
        userAgent: req.get('user-agent'),
        requestId: options.requestId?.(req),
        clientAddress: options.clientAddress(clientAddressInput(req)).address,
      };
      requestState(req).audit = context;
      res.once('close', () => {
        const finished = res.writableFinished;
        audit.fileAccessAfterResponse({
          ...context,
          userId: options.userId(req),
          ...fileTransferOutcome({ status: res.statusCode, completed: finished }),
        });
      });
      next();
    } catch (err) {
      next(err);
    }
  };
}
