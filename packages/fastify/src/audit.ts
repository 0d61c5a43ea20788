import type { AuditLog, FileAction } from '@portcullis/audit';
import type { ClientAddressResolver } from '@portcullis/core';
import { auditKit } from '@portcullis/http';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { clientAddressInput, requestState } from './http.js';

/** Options of {@link auditFileAccess}. */
export interface FastifyAuditOptions {
  /** The audit log (`createAuditLog`). */
  audit: Pick<AuditLog, 'fileAccessAfterResponse'>;
  /** What the route does to the file. */
  action: FileAction;
  /** The file accessed, e.g. `(request) => (request.params as { id: string }).id`. */
  resource: (request: FastifyRequest) => string | undefined;
  /** The verified subject, read when the response ends, e.g. `(request) => authClaims(request)?.sub`. */
  userId: (request: FastifyRequest) => string | undefined;
  /** Core's client-address resolver (its `trustProxy` decides which headers count). */
  clientAddress: ClientAddressResolver;
  /** The request id, if the app has one (Fastify's own is `request.id`). */
  requestId?: ((request: FastifyRequest) => string | undefined) | undefined;
}

/**
 * Route-level `onRequest` hook auditing a file route: when the response ends (the raw
 * response's `close`, which also fires for aborted requests), one `fileAccess` record with
 * the user id, the outcome of the transfer (audit's `fileTransferOutcome`), the client address and
 * the request context. List it before the auth hook so refusals are audited too.
 *
 * @example
 * ```ts
 * app.get('/files/:id', {
 *   onRequest: [auditFileAccess({ audit, action: 'read', resource: (r) => (r.params as { id: string }).id,
 *     userId: (r) => authClaims(r)?.sub, clientAddress: createClientAddressResolver() }), requireAuth(tokens)],
 * }, download);
 * ```
 */
export function auditFileAccess(options: FastifyAuditOptions): onRequestAsyncHookHandler {
  const { audit, action } = options;
  const { fileTransferOutcome } = auditKit(audit);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const context = {
      action,
      resource: options.resource(request) ?? '',
      method: request.method,
      route: request.routeOptions.url,
      userAgent: request.headers['user-agent'],
      requestId: options.requestId?.(request),
      clientAddress: options.clientAddress(clientAddressInput(request)).address,
    };
    requestState(request).audit = context;
    reply.raw.once('close', () => {
      const finished = reply.raw.writableFinished;
      audit.fileAccessAfterResponse({
        ...context,
        userId: options.userId(request),
        ...fileTransferOutcome({ status: reply.statusCode, completed: finished }),
      });
    });
  };
}
