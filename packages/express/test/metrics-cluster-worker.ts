/**
 * A cluster worker for metrics-cluster.test.ts: an Express app measured by our middleware, its
 * registry exposed to the primary over IPC. Run by Node directly (type stripping).
 */
import { createMetrics, exposeToCluster } from '@portcullis/metrics';
import express from 'express';
import { metricsMiddleware } from '../src/metrics.ts';

// The worker's own process: prom-client's global registry is this worker's alone.
const metrics = createMetrics();
exposeToCluster(metrics);
const app = express();
app.use(metricsMiddleware(metrics));
app.get('/hello/:name', (_req, res) => {
  res.set('x-worker', String(process.pid)).send('hi');
});
app.listen(Number(process.env.PORT), '127.0.0.1');
