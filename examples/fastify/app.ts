/**
 * The demo API, Fastify flavour. The whole security set-up is the `portcullis` plugin; the
 * routes below only translate requests to the shared application logic in ../src/routes.ts.
 */
import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import {
  authClaims,
  clientAddressInput,
  portcullis,
  portcullisServerOptions,
  sendProblem,
} from '@portcullis/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createDemoRoutes, notFound, type RouteResult } from '../src/routes.ts';
import type { DemoSecurity } from '../src/security.ts';

/** Builds the Fastify app over the demo's modules (call `ready()` or `listen()` on it). */
export async function createFastifyApp(s: DemoSecurity): Promise<FastifyInstance> {
  const routes = createDemoRoutes(s);
  // trustProxy stays off: the client address is core's resolver's job (TRUST_PROXY).
  const app = Fastify({ ...portcullisServerOptions(), bodyLimit: 16 * 1024 });
  await app.register(multipart);
  await app.register(portcullis, {
    context: s.context,
    rateLimit: s.rateLimit,
    tokens: s.tokens,
    metrics: s.metrics,
    scrape: { source: s.metricsSource, token: s.config.metricsToken },
    passwordValidator: s.validator,
    passwordReset: s.reset,
    uploads: {
      guard: s.uploadGuard,
      context: (request) => ({
        userId: authClaims(request)?.sub,
        clientAddress: s.clientAddress(clientAddressInput(request)).address,
      }),
      store: (file, request) =>
        routes.storeUpload(file as typeof file & { content: Readable }, authClaims(request)),
    },
    audit: s.audit,
  });
  const sec = app.portcullis;
  const send = (reply: FastifyReply, r: RouteResult) =>
    reply
      .code(r.status)
      .headers(r.headers ?? {})
      .send(r.body);
  const route =
    (fn: (request: FastifyRequest) => RouteResult | Promise<RouteResult>) =>
    async (request: FastifyRequest, reply: FastifyReply) =>
      send(reply, await fn(request));

  app.get(
    '/health',
    route(() => routes.health()),
  );
  app.post(
    '/auth/register',
    { preHandler: sec.passwordPolicy() },
    route((request) => routes.register(request.body)),
  );
  app.post(
    '/auth/login',
    route((request) => routes.login(request.body, clientAddressInput(request))),
  );
  app.post(
    '/auth/refresh',
    route((request) => routes.refresh(request.body)),
  );
  app.post(
    '/auth/logout',
    { preHandler: sec.requireAuth },
    route((request) => routes.logout(request.headers)),
  );
  app.post(
    '/auth/logout-all',
    { preHandler: sec.requireAuth },
    route((request) => routes.logoutAll(authClaims(request))),
  );
  app.get(
    '/me',
    { preHandler: sec.requireAuth },
    route((request) => routes.me(authClaims(request))),
  );
  app.post('/auth/password-reset', sec.passwordResetRequest);
  app.post(
    '/auth/password-reset/confirm',
    route((request) =>
      routes.resetConfirm(request.body, clientAddressInput(request), request.headers['accept-language']),
    ),
  );
  app.post(
    '/files',
    { onRequest: sec.auditFile('write', () => 'files'), preHandler: [sec.requireAuth, sec.uploads] },
    route((request) => routes.uploaded((request.portcullis?.uploads as { files: [] } | undefined)?.files)),
  );
  app.get(
    '/files/:id',
    {
      onRequest: sec.auditFile('read', (request) => (request.params as { id: string }).id),
      preHandler: sec.requireAuth,
    },
    async (request, reply) => {
      const file = await routes.download((request.params as { id: string }).id, authClaims(request));
      return reply.code(200).headers(file.headers).send(file.stream);
    },
  );
  app.get('/metrics', sec.metricsHandler);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    return sendProblem(reply, notFound(request.method, path), path);
  });
  // Problem+json everywhere: Portcullis errors keep their status; Fastify's own 4xx (bad JSON,
  // body too large) keep theirs; anything else is an opaque 500.
  app.setErrorHandler(sec.errorHandler);
  return app;
}
