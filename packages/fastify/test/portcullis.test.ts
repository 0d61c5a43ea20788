import multipart from '@fastify/multipart';
import { ConfigError } from '@portcullis/core';
import { rateLimitRules } from '@portcullis/rate-limit';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { METRICS_TOKEN, runEntryScenarios } from '../../express/test/portcullis-scenarios.js';
import { portcullis, portcullisServerOptions } from '../src/portcullis.js';
import { authClaims } from '../src/tokens.js';

runEntryScenarios('fastify', async (m) => {
  const app = Fastify();
  await app.register(multipart);
  await app.register(portcullis, {
    context: m.context,
    rateLimit: m.rateLimit,
    tokens: m.tokens,
    metrics: m.metrics,
    scrape: { token: METRICS_TOKEN },
    passwordValidator: m.passwordValidator,
    uploads: {
      guard: m.guard,
      store: async (file) => {
        for await (const _ of file.content);
      },
    },
    audit: m.audit,
  });
  const sec = app.portcullis;
  app.get('/open', async () => 'ok');
  app.get('/me', { preHandler: sec.requireAuth }, async (request) => ({ sub: authClaims(request)?.sub }));
  app.get('/metrics', sec.metricsHandler);
  app.post('/pw', { preHandler: sec.passwordPolicy() }, async (_request, reply) => reply.code(204).send());
  app.post('/upload', { preHandler: [sec.requireAuth, sec.uploads] }, async (request, reply) =>
    reply
      .code(201)
      .send({ files: (request.portcullis?.uploads as { files: unknown[] } | undefined)?.files.length }),
  );
  app.get(
    '/file/:id',
    {
      onRequest: sec.auditFile('read', (request) => (request.params as { id: string }).id),
      preHandler: sec.requireAuth,
    },
    async () => 'file',
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
});

describe('portcullis (fastify)', () => {
  it('throws a ConfigError when a route asks for a module that was not configured', async () => {
    const app = Fastify();
    await app.register(portcullis, {});
    expect(() => app.portcullis.requireAuth).toThrow(ConfigError);
    expect(() => app.portcullis.uploads).toThrow(/uploads is not configured/);
    await app.close();
  });
});

describe('portcullis (fastify) errorHandler', () => {
  it("answers Fastify's own malformed-JSON error as a 400 input problem, never a 500", async () => {
    const app = Fastify();
    await app.register(portcullis, {});
    app.setErrorHandler(app.portcullis.errorHandler);
    app.post('/echo', async (request) => request.body);
    const res = await app.inject({
      method: 'POST',
      url: '/echo?x=1',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'ERR_INPUT_INVALID', status: 400, instance: '/echo' });
  });
});

describe('portcullis (fastify) error handler keeps what the client must know', () => {
  it("keeps Fastify's schema-validation message and logs nothing for it", async () => {
    const app = Fastify();
    await app.register(portcullis, {});
    app.setErrorHandler(app.portcullis.errorHandler);
    app.post(
      '/items',
      { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
      async () => 'ok',
    );
    const res = await app.inject({ method: 'POST', url: '/items', payload: { nope: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'ERR_INPUT_INVALID',
      detail: "body must have required property 'name'",
    });
    await app.close();
  });

  it("hands an unexpected error to Fastify's logger, never to the client", async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'error', stream: { write: (l: string) => void lines.push(l) } } });
    await app.register(portcullis, {});
    app.setErrorHandler(app.portcullis.errorHandler);
    app.get('/boom', async () => {
      throw new Error('db down');
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('db down');
    expect(lines.join('')).toContain('db down');
    await app.close();
  });

  it('answers a URL Fastify cannot parse (before any hook) as problem+json without echoing it', async () => {
    const app = Fastify({ ...portcullisServerOptions() });
    await app.register(portcullis, {
      rateLimit: rateLimitRules({ rules: [], defaultRule: { id: 'default', limit: 10, windowMs: 60_000 } }),
    });
    app.get('/files/:name', async () => 'ok');
    const res = await app.inject({ method: 'GET', url: '/files/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['ratelimit-policy']).toBe('"default";q=10;w=60');
    expect(res.body).not.toContain('%E0');
    await app.close();
  });
});
