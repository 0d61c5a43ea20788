import {
  type ClientAddressInput,
  type DescribedError,
  describeError,
  InputError,
  jsonBodyError,
  type PortcullisRequestState,
  type SecurityRequestInput,
} from '@portcullis/core';
import type { Context } from 'hono';

export type { PortcullisRequestState } from '@portcullis/core';

declare module 'hono' {
  interface ContextVariableMap {
    /** Results of the Portcullis middlewares that ran for this request (typed by core). */
    portcullis: PortcullisRequestState;
  }
}

/** Structural view of @hono/node-server's bindings: the socket is there when running on Node. */
interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string | undefined } | undefined } | undefined;
  outgoing?: NodeOutgoing | undefined;
}

/** Structural view of Node's `ServerResponse`, as @hono/node-server binds it. */
export interface NodeOutgoing {
  readonly writableFinished: boolean;
  readonly headersSent: boolean;
  readonly statusCode: number;
  once(event: 'close', listener: () => void): unknown;
}

/** The socket peer on @hono/node-server, or undefined on other runtimes. */
export function nodeRemoteAddress(c: Context): string | undefined {
  return (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress;
}

/** Node's response object on @hono/node-server (to see the response really end), or undefined. */
export function nodeOutgoing(c: Context): NodeOutgoing | undefined {
  const out = (c.env as NodeBindings | undefined)?.outgoing;
  return out && typeof out.once === 'function' ? out : undefined;
}

/**
 * The peer of a Hono request. On Node (@hono/node-server) the socket address comes from the
 * bindings; elsewhere pass `remoteAddress` from your runtime's connection info.
 */
export function clientAddressInput(c: Context, remoteAddress?: string): ClientAddressInput {
  return { remoteAddress: remoteAddress ?? nodeRemoteAddress(c), headers: c.req.raw.headers };
}

/** Core's neutral request input for a Hono request (`c.req.path` is the path Hono routes). */
export function securityRequestInput(c: Context, remoteAddress?: string): SecurityRequestInput {
  return {
    method: c.req.method,
    routedPath: c.req.path,
    headers: c.req.raw.headers,
    remoteAddress: remoteAddress ?? nodeRemoteAddress(c),
  };
}

/** A problem+json response for a described error (core's `describeError`). */
export function describedResponse(described: DescribedError): Response {
  return new Response(JSON.stringify(described.body), {
    status: described.status,
    headers: described.headers,
  });
}

/** A problem+json response for any error (a non-Portcullis error becomes an opaque 500). */
export function sendProblem(c: Context | undefined, error: unknown, instance?: string): Response {
  return describedResponse(describeError(error, instance ?? c?.req.path));
}

/**
 * A problem+json response for any error.
 * @deprecated Use {@link sendProblem} (one name across the three adapters).
 */
export function problemResponse(error: unknown, instance?: string): Response {
  return sendProblem(undefined, error, instance);
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

/**
 * The JSON body, as Express's `express.json()` and Fastify's parser read it: no body is
 * `undefined` (the route decides what is missing); a body that is not JSON is a 400
 * `ERR_INPUT_INVALID`, never "no token" or "no password"; a body sent with another media type is
 * a 415 `ERR_INPUT_MEDIA_TYPE` (as Fastify answers). Hono caches it for the route.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  const wrongType = jsonBodyError(c.req.header('content-type'), true);
  if (wrongType) throw wrongType;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError('ERR_INPUT_INVALID', 'the request could not be parsed');
  }
}
