import {
  type ClientAddressInput,
  type DescribedError,
  describeError,
  type PortcullisRequestState,
  type SecurityRequestInput,
} from '@portcullis/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type { PortcullisRequestState } from '@portcullis/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** Results of the Portcullis hooks that ran for this request (typed by core). */
    portcullis?: PortcullisRequestState;
  }
}

/** The peer of a Fastify request, as core's client-address resolver reads it. */
export function clientAddressInput(request: FastifyRequest): ClientAddressInput {
  return { remoteAddress: request.raw.socket.remoteAddress, headers: request.headers };
}

/** The path Fastify routes (find-my-way cuts the target at `?`, `#` and, when enabled, `;`). */
export function routedPath(request: FastifyRequest): string {
  return request.url;
}

/** Core's neutral request input for a Fastify request. */
export function securityRequestInput(request: FastifyRequest): SecurityRequestInput {
  return {
    method: request.method,
    routedPath: routedPath(request),
    headers: request.headers,
    remoteAddress: request.raw.socket.remoteAddress,
  };
}

/** Sends a described error (core's `describeError`) as RFC 9457 problem+json. */
export function sendDescribed(reply: FastifyReply, described: DescribedError): FastifyReply {
  return reply.code(described.status).headers(described.headers).send(JSON.stringify(described.body));
}

/** Sends any error as RFC 9457 problem+json (a non-Portcullis error becomes an opaque 500). */
export function sendProblem(reply: FastifyReply, error: unknown, instance?: string): FastifyReply {
  return sendDescribed(reply, describeError(error, instance));
}

/** Returns the request-scoped state object, creating it on first use. */
export function requestState(request: FastifyRequest): PortcullisRequestState {
  request.portcullis ??= {};
  return request.portcullis;
}
