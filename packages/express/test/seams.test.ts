import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe } from 'vitest';
import { itRoutesAndLimitsAlike, PATH_RULES } from '../../http/test/path-property.ts';
import { runSeamScenarios } from '../../http/test/seams-scenarios.ts';
import { clientAddressInput, jsonBody } from '../src/http.js';
import { portcullis } from '../src/portcullis.js';
import { authClaims, refreshHandler } from '../src/tokens.js';

runSeamScenarios('express', async (m) => {
  const sec = portcullis({
    context: m.context,
    rateLimit: m.rateLimit,
    tokens: m.tokens,
    metrics: m.metrics,
    audit: m.audit,
    uploads: {
      guard: m.guard,
      store: async (file) => {
        for await (const _ of file.content);
      },
    },
    onError: m.onError,
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
  app.post('/auth/login', async (req, res, next) => {
    try {
      const user = String(req.get('x-user'));
      const attempt = await m.loginGuard.attempt({ username: user, client: clientAddressInput(req) });
      if (!attempt.allowed) throw attempt.error;
      if (req.get('x-pass') === 'right') {
        await attempt.succeeded({ userId: `id-${user}` });
        res.status(200).json({ ok: true });
      } else {
        await attempt.failed();
        res.status(401).json({ ok: false });
      }
    } catch (err) {
      next(err);
    }
  });
  app.post('/refresh', jsonBody(), refreshHandler(m.tokens));
  app.get('/boom', () => {
    throw new Error('db down');
  });
  app.get('/forbidden', () => {
    throw Object.assign(new Error('You may not see invoice 42'), { status: 403, expose: true });
  });
  app.get(
    '/download/:id',
    sec.auditFile('read', (req) => String(req.params.id)),
    (_req, res) => {
      res.status(200).set('content-type', 'application/octet-stream');
      res.write('partial');
    },
  );
  app.post('/upload', sec.uploads(), (_req, res) => {
    res.status(201).end();
  });
  app.use(sec.errorHandler());
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});

describe('path property (express)', () => {
  let server: Server;
  beforeAll(async () => {
    const sec = portcullis({ rateLimit: PATH_RULES });
    const app = express();
    app.use(sec);
    const answer = (id: string) => (_req: express.Request, res: express.Response) => {
      res.set('x-route', id).send(id);
    };
    app.post('/auth/login', answer('login'));
    app.get('/open', answer('open'));
    app.get('/users/:id', answer('users'));
    app.use(sec.errorHandler());
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  itRoutesAndLimitsAlike('express', () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
