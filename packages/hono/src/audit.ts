import type { AuditLog, FileAction } from '@portcullis/audit';
import type { ClientAddressResolver } from '@portcullis/core';
import { auditKit } from '@portcullis/http';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { clientAddressInput, nodeOutgoing, requestState } from './http.js';

/** Options of {@link auditFileAccess}. */
export interface HonoAuditOptions {
  /** The audit log (`createAuditLog`). */
  audit: Pick<AuditLog, 'fileAccessAfterResponse'>;
  /** What the route does to the file. */
  action: FileAction;
  /** The file accessed, e.g. `(c) => c.req.param('id')`. */
  resource: (c: Context) => string | undefined;
  /** The verified subject, read after the handler, e.g. `(c) => authClaims(c)?.sub`. */
  userId: (c: Context) => string | undefined;
  /** Core's client-address resolver (its `trustProxy` decides which headers count). */
  clientAddress: ClientAddressResolver;
  /** The request id, if the app has one. */
  requestId?: ((c: Context) => string | undefined) | undefined;
  /** The socket address on runtimes other than Node (on @hono/node-server it comes from the bindings). */
  remoteAddress?: ((c: Context) => string | undefined) | undefined;
}

/**
 * Route-level Hono middleware auditing a file route: after the handler (or the error handler)
 * produced the response, one `fileAccess` record with the user id, the outcome from the status
 * (core's `outcomeFromStatus`), the client address and the request context. Put it before the
 * auth middleware so refusals are audited too.
 *
 * @example
 * ```ts
 * app.get('/files/:id',
 *   auditFileAccess({ audit, action: 'read', resource: (c) => c.req.param('id'), userId: (c) => authClaims(c)?.sub,
 *     clientAddress: createClientAddressResolver() }),
 *   requireAuth(tokens), download);
 * ```
 */
export function auditFileAccess(options: HonoAuditOptions): MiddlewareHandler {
  const { audit, action } = options;
  const { fileTransferOutcome } = auditKit(audit);
  return async (c, next) => {
    const context = {
      action,
      resource: options.resource(c) ?? '',
      method: c.req.method,
      // The handler's pattern (the last matched route), also when mounted with app.use('/files/*').
      route: routePath(c, -1),
      userAgent: c.req.header('user-agent'),
      requestId: options.requestId?.(c),
      clientAddress: options.clientAddress(clientAddressInput(c, options.remoteAddress?.(c))).address,
    };
    requestState(c).audit = context;
    const record = (status: number, completed: boolean) =>
      audit.fileAccessAfterResponse({
        ...context,
        userId: options.userId(c),
        ...fileTransferOutcome({ status, completed }),
      });
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      // On Node the response really ends later, when the body has been written (or the client
      // went away): audit then, as Express and Fastify do. Elsewhere the Response is the end.
      const out = nodeOutgoing(c);
      if (out)
        out.once('close', () => record(out.headersSent ? out.statusCode : status, out.writableFinished));
      else record(status, true);
    }
  };
}
