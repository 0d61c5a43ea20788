// NestJS's classic setup: CommonJS output, node10 resolution, subpath imports.
import type { AddressInfo } from 'node:net';
import { createSecurityContext } from '@portcullis/core';
import { metricsHandler, metricsMiddleware } from '@portcullis/express/metrics';
import { rateLimit } from '@portcullis/express/rate-limit';
import { authClaims, requireAuth, sendTokenPair } from '@portcullis/express/tokens';
import { createMetrics } from '@portcullis/metrics';
import { createRateLimitPolicy, LOGIN_HEALTH_DEFAULT_ZONES } from '@portcullis/rate-limit';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import express from 'express';

async function main(): Promise<void> {
  const context = createSecurityContext();
  const keys = await createKeySet({
    keys: [{ kid: 'k1', alg: 'HS256', secret: Buffer.alloc(32, 7) }],
    currentKid: 'k1',
  });
  const tokens = createTokenService({ keys, issuer: 'https://api.example.com', audience: 'api', context });
  const metrics = createMetrics({ context });
  const app = express();
  app.use(
    metricsMiddleware(metrics),
    rateLimit(createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES, context })),
  );
  app.post('/auth/login', async (_req, res) => sendTokenPair(res, await tokens.issue({ subject: 'bob' })));
  app.get('/me', requireAuth(tokens), (req, res) => {
    res.json({ user: authClaims(req)?.sub });
  });
  app.get('/metrics', metricsHandler({ source: metrics }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pair = (await (await fetch(`${base}/auth/login`, { method: 'POST' })).json()) as {
    access_token: string;
  };
  const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${pair.access_token}` } });
  const scrape = await fetch(`${base}/metrics`);
  server.close();
  console.log(JSON.stringify({ me: await me.json(), metrics: scrape.status }));
}
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
