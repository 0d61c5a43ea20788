import type { ClientAddressInput } from '@portcullis/core';
import { toProblemResponse } from '@portcullis/core';
import type { Context } from 'hono';

/** What Portcullis middlewares stash in the context (`c.get('portcullis')`). Modules add their fields. */
export interface PortcullisRequestState {
  [module: string]: unknown;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Results of the Portcullis middlewares that ran for this request. */
    portcullis: PortcullisRequestState;
  }
}

/** Structural view of @hono/node-server's bindings: the socket is there when running on Node. */
interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string | undefined } | undefined } | undefined;
}

/**
 * The peer of a Hono request. On Node (@hono/node-server) the socket address comes from the
 * bindings; elsewhere pass `remoteAddress` from your runtime's connection info.
 */
export function clientAddressInput(c: Context, remoteAddress?: string): ClientAddressInput {
  const env = c.env as NodeBindings | undefined;
  return { remoteAddress: remoteAddress ?? env?.incoming?.socket?.remoteAddress, headers: c.req.raw.headers };
}

/** A problem+json response for any error (a non-Portcullis error becomes an opaque 500). */
export function problemResponse(error: unknown, instance?: string): Response {
  const { status, headers, body } = toProblemResponse(error, instance);
  return new Response(JSON.stringify(body), { status, headers });
}

/** Returns the request-scoped state object, creating it on first use. */
export function requestState(c: Context): PortcullisRequestState {
  let state = c.get('portcullis') as PortcullisRequestState | undefined;
  if (!state) {
    state = {};
    c.set('portcullis', state);
  }
  return state;
}
