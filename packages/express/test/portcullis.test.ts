import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { ConfigError } from '@portcullis/core';
import { rateLimitRules } from '@portcullis/rate-limit';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { portcullis } from '../src/portcullis.js';
import { authClaims } from '../src/tokens.js';
import { METRICS_TOKEN, runEntryScenarios } from './portcullis-scenarios.js';

const drain = async (s: Readable) => {
  for await (const _ of s);
};

runEntryScenarios('express', async (m) => {
  const sec = portcullis({
    context: m.context,
    rateLimit: m.rateLimit,
    tokens: m.tokens,
    metrics: m.metrics,
    scrape: { token: METRICS_TOKEN },
    passwordValidator: m.passwordValidator,
    uploads: { guard: m.guard, store: async (file) => drain(file.content) },
    audit: m.audit,
  });
  const app = express();
  app.use(sec);
  app.get('/open', (_req, res) => {
    res.send('ok');
  });
  app.get('/me', sec.requireAuth(), (req, res) => {
    res.json({ sub: authClaims(req)?.sub });
  });
  app.get('/metrics', sec.metricsHandler());
  app.post('/pw', express.json(), sec.passwordPolicy(), (_req, res) => {
    res.status(204).end();
  });
  app.post('/upload', sec.requireAuth(), sec.uploads(), (req, res) => {
    res
      .status(201)
      .json({ files: (req.portcullis?.uploads as { files: unknown[] } | undefined)?.files.length });
  });
  app.get(
    '/file/:id',
    sec.auditFile('read', (req) => String(req.params.id)),
    sec.requireAuth(),
    (_req, res) => {
      res.send('file');
    },
  );
  app.use(sec.errorHandler());
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

describe('portcullis (express)', () => {
  it('throws a ConfigError when a route asks for a module that was not configured', () => {
    const sec = portcullis({});
    expect(() => sec.requireAuth()).toThrow(ConfigError);
    expect(() => sec.uploads()).toThrow(/uploads is not configured/);
  });
});

describe("portcullis (express) and Express's own trust proxy", () => {
  it("takes Express's 'trust proxy' as the context's one trust configuration when the context has none", async () => {
    const sec = portcullis({
      rateLimit: rateLimitRules({ rules: [], defaultRule: { id: 'd', limit: 1, windowMs: 60_000 } }),
    });
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(sec);
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const as = (ip: string) => fetch(url, { headers: { 'x-forwarded-for': ip } });
    expect((await as('198.51.100.1')).status).toBe(200);
    expect((await as('198.51.100.1')).status).toBe(429);
    expect((await as('198.51.100.2')).status).toBe(200);
    expect(sec.context.trustProxyConfigured).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
