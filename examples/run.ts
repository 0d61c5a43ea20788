/**
 * The demo API's entry point (`pnpm demo`): FRAMEWORK (express, fastify, hono; default
 * fastify) on PORT (default 3000), in-memory stores unless REDIS_URL is set, WORKERS processes
 * through node:cluster. See docs/demo.md for every variable.
 */

import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { clusterMetricsSource, relayClusterMetrics } from './src/cluster-metrics.ts';
import { type DemoConfig, readConfig } from './src/config.ts';
import { createDemoRoutes } from './src/routes.ts';
import { createDemoSecurity } from './src/security.ts';
import { startDemoServer } from './src/serve.ts';

function banner(config: DemoConfig, url: string): string {
  const u = config.demoUser;
  const base = url.replace('127.0.0.1', 'localhost');
  return [
    `Portcullis demo (${config.framework}, ${config.workers} worker${config.workers > 1 ? 's' : ''}, ${
      config.redisCluster ? 'Redis Cluster stores' : config.redisUrl ? 'Redis stores' : 'in-memory stores'
    }) listening on ${base}`,
    '',
    'Try:',
    `  curl -i ${base}/health`,
    `  TOKEN=$(curl -s ${base}/auth/login -H 'content-type: application/json' \\`,
    `    -d '{"username":"${u.username}","password":"${u.password}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).accessToken')`,
    `  curl -i ${base}/me -H "authorization: Bearer $TOKEN"`,
    `  curl -i ${base}/files -H "authorization: Bearer $TOKEN" -F file=@picture.png`,
    `  for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code}\\n' ${base}/auth/login -d '{}' -H 'content-type: application/json'; done`,
    `  curl -i ${base}/metrics${config.metricsToken ? ' -H "authorization: Bearer $METRICS_TOKEN"' : ''}`,
    '',
    `Audit log in ${config.auditDir}; uploads in ${config.dataDir}/files. Ctrl-C stops (the audit log is flushed).`,
  ].join('\n');
}

/** One server process: the modules, the demo user, the app, graceful shutdown. */
async function serveOne(config: DemoConfig, inCluster: boolean): Promise<void> {
  const sec = await createDemoSecurity(config, {
    metricsSource: inCluster ? (metrics) => clusterMetricsSource(metrics) : undefined,
  });
  await createDemoRoutes(sec).ensureDemoUser();
  const server = await startDemoServer(config.framework, sec, config.port, config.host);
  if (inCluster) process.send?.({ type: 'portcullis-demo:listening', url: server.url });
  else console.log(banner(config, server.url));
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Stop taking requests, let open ones finish, then flush the audit log before leaving.
    server
      .close()
      .catch(() => {})
      .then(() => sec.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`shutdown after ${signal}:`, err);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function primary(config: DemoConfig): void {
  if (!config.redisUrl && !config.redisCluster)
    console.warn(
      'WORKERS > 1 without REDIS_URL or REDIS_CLUSTER: each worker keeps its own limits, tokens and users.',
    );
  // Every worker must sign and verify with the same key and write the same audit chain key.
  const env = {
    TOKEN_SECRET: config.tokenSecret ?? randomBytes(32).toString('base64url'),
    AUDIT_HMAC_KEY: config.auditKey ?? randomBytes(32).toString('base64url'),
  };
  relayClusterMetrics();
  let listening = 0;
  for (let i = 0; i < config.workers; i++) {
    const worker = cluster.fork(env);
    worker.on('message', (m: { type?: string; url?: string }) => {
      if (m?.type === 'portcullis-demo:listening' && ++listening === config.workers && m.url)
        console.log(banner(config, m.url));
    });
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    // A worker that dies outside a shutdown is not replaced: the demo shows the failure instead.
  });
}

const config = readConfig();
if (config.workers > 1 && cluster.isPrimary) primary(config);
else
  serveOne(config, config.workers > 1).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
