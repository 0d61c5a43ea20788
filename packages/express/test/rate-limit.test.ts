import type { AddressInfo } from 'node:net';
import express from 'express';
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
