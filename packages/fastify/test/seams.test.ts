import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe } from 'vitest';
import { itRoutesAndLimitsAlike, PATH_RULES } from '../../http/test/path-property.ts';
import { runSeamScenarios } from '../../http/test/seams-scenarios.ts';
import { clientAddressInput } from '../src/http.js';
import { portcullis, portcullisServerOptions } from '../src/portcullis.js';
import { authClaims, refreshHandler } from '../src/tokens.js';

runSeamScenarios('fastify', async (m) => {
  const app = Fastify({ ...portcullisServerOptions() });
  await app.register(multipart);
  await app.register(portcullis, {
    uploads: {
      guard: m.guard,
      store: async (file) => {
        for await (const _ of file.content);
      },
    },
    context: m.context,
    rateLimit: m.rateLimit,
    tokens: m.tokens,
    metrics: m.metrics,
    audit: m.audit,
    onError: m.onError,
  });
  const sec = app.portcullis;
  app.setErrorHandler(sec.errorHandler);
  app.get('/open', async () => 'ok');
  app.get('/me', { preHandler: sec.requireAuth }, async (request) => ({ sub: authClaims(request)?.sub }));
  app.get('/metrics', sec.metricsHandler);
  app.post('/auth/login', async (request, reply) => {
    const user = String(request.headers['x-user']);
    const attempt = await m.loginGuard.attempt({ username: user, client: clientAddressInput(request) });
    if (!attempt.allowed) throw attempt.error;
    if (request.headers['x-pass'] === 'right') {
      await attempt.succeeded({ userId: `id-${user}` });
      return reply.code(200).send({ ok: true });
    }
    await attempt.failed();
    return reply.code(401).send({ ok: false });
  });
  app.post('/refresh', refreshHandler(m.tokens));
  app.get('/boom', async () => {
    throw new Error('db down');
  });
  app.get('/forbidden', async () => {
    throw Object.assign(new Error('You may not see invoice 42'), { status: 403, expose: true });
  });
  app.get(
    '/download/:id',
    { onRequest: sec.auditFile('read', (request) => (request.params as { id: string }).id) },
    async (_request, reply) => {
      const body = new Readable({ read() {} });
      body.push('partial');
      return reply.code(200).header('content-type', 'application/octet-stream').send(body);
    },
  );
  app.post('/upload', { preHandler: sec.uploads }, async (_request, reply) => reply.code(201).send());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
});

describe('path property (fastify)', () => {
  const app = Fastify({ ...portcullisServerOptions() });
  beforeAll(async () => {
    await app.register(portcullis, { rateLimit: PATH_RULES });
    app.setErrorHandler(app.portcullis.errorHandler);
    app.post('/auth/login', async (_r, reply) => reply.header('x-route', 'login').send('login'));
    app.get('/open', async (_r, reply) => reply.header('x-route', 'open').send('open'));
    app.get('/users/:id', async (_r, reply) => reply.header('x-route', 'users').send('users'));
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());
  itRoutesAndLimitsAlike('fastify', () => {
    const a = app.server.address();
    return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
});
