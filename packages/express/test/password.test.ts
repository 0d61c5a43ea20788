import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { runPasswordScenarios } from '../../password/test/adapter-scenarios.js';
import { problemErrorHandler, requestState } from '../src/index.js';
import { passwordPolicy, passwordResetConfirm, passwordResetRequest } from '../src/password.js';

runPasswordScenarios('express', async ({ validator, reset }) => {
  const app = express();
  app.use(express.json());
  app.post('/signup', passwordPolicy(validator), (req, res) => {
    const result = requestState(req).password as { score: number };
    res.status(201).json({ score: result.score });
  });
  app.post('/password/reset', passwordResetRequest(reset));
  app.post('/password/reset/confirm', passwordResetConfirm(reset));
  app.use(problemErrorHandler());
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});
