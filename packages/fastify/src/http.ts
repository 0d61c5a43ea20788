import type { ClientAddressInput } from '@portcullis/core';
import { toProblemResponse } from '@portcullis/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What Portcullis modules stash on the request (`request.portcullis`). Modules add their fields. */
export interface PortcullisRequestState {
  [module: string]: unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Results of the Portcullis hooks that ran for this request. */
    portcullis?: PortcullisRequestState;
  }
}

/** The peer of a Fastify request, as core's client-address resolver reads it. */
export function clientAddressInput(request: FastifyRequest): ClientAddressInput {
  return { remoteAddress: request.raw.socket.remoteAddress, headers: request.headers };
}

/** Sends any error as RFC 9457 problem+json (a non-Portcullis error becomes an opaque 500). */
export function sendProblem(reply: FastifyReply, error: unknown, instance?: string): FastifyReply {
  const { status, headers, body } = toProblemResponse(error, instance);
  return reply.code(status).headers(headers).send(JSON.stringify(body));
}

/** Returns the request-scoped state object, creating it on first use. */
export function requestState(request: FastifyRequest): PortcullisRequestState {
  request.portcullis ??= {};
  return request.portcullis;
}
