import type { AddressInfo } from 'node:net';
import express from 'express';
import { runMetricsScenarios } from '../../metrics/test/adapter-scenarios.js';
import { problemErrorHandler } from '../src/http.js';
import { metricsHandler, metricsMiddleware } from '../src/metrics.js';

runMetricsScenarios(
  'express',
  async (ctx) => {
    const app = express();
    app.use(metricsMiddleware(ctx.metrics));
    app.get('/users/:id', (_req, res) => {
      res.send('ok');
    });
    app.post('/login', (_req, res) => {
      res.status(201).send('welcome');
    });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    const api = express.Router();
    api.get('/items/:id', (_req, res) => {
      res.send('item');
    });
    app.use('/api', api);
    app.get('/hold', async (_req, res) => {
      await ctx.gate.wait();
      res.send('held');
    });
    app.get('/deferred', (_req, res) => {
      // The handler returns now; the response finishes on a later turn.
      setImmediate(() => {
        ctx.clock.advance(250);
        res.send('late');
      });
    });
    app.get('/metrics', metricsHandler({ source: ctx.metrics, ...ctx.scrape }));
    app.use(problemErrorHandler());
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
  { seesAborts: true },
);
