import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createRateLimitPolicy, LOGIN_HEALTH_DEFAULT_ZONES } from '../../rate-limit/src/index.js';
import { runAdapterScenarios } from '../../rate-limit/test/adapter-scenarios.js';
import { requestState } from '../src/index.js';
import { rateLimit } from '../src/rate-limit.js';

runAdapterScenarios('express', async (policy) => {
  const app = express();
  app.use(rateLimit(policy));
  const echo = (req: express.Request, res: express.Response) => {
    const d = requestState(req).rateLimit as { rule: string };
    res.json({ rule: d.rule });
  };
  app.post('/auth/login', echo);
  app.get('/health', echo);
  app.get('/items', echo);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

describe('express rateLimit: absolute-form request targets', () => {
  it('counts `POST http://host/auth/login` against the login rule (Express routes it to the login handler)', async () => {
    const app = express();
    app.use(rateLimit(createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES })));
    app.post('/auth/login', (_req, res) => {
      res.send('login handler');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const post = () =>
      new Promise<{ status: number; policy: string | undefined }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, method: 'POST', path: 'http://api.example/auth/login' },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                policy: res.headers['ratelimit-policy'] as string | undefined,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await post());
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(answers[0]).toEqual({ status: 200, policy: '"login";q=5;w=60' });
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
