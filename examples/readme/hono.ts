import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { createSecurityContext } from '@portcullis/core';
import { authClaims, portcullis, readJsonBody, sendTokenPair } from '@portcullis/hono';
import { createMetrics } from '@portcullis/metrics';
import { LOGIN_HEALTH_DEFAULT_ZONES } from '@portcullis/rate-limit';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import { Hono } from 'hono';

// One context per app: the one place that says which proxies may set X-Forwarded-For.
const context = createSecurityContext({ trustProxy: ['loopback'] });
const keys = await createKeySet({
  keys: [{ kid: 'k1', alg: 'HS256', secret: randomBytes(32) }],
  currentKid: 'k1',
});
const tokens = createTokenService({ keys, issuer: 'https://api.example.com', audience: 'api', context });
const sec = portcullis({
  context,
  rateLimit: LOGIN_HEALTH_DEFAULT_ZONES,
  tokens,
  metrics: createMetrics({ context }),
});

const app = new Hono();
app.use(sec);
app.onError(sec.errorHandler());
app.get('/health', (c) => c.json({ status: 'ok' }));
app.post('/auth/login', async (c) => {
  const { username } = (await readJsonBody(c)) as { username: string }; // bad JSON: a 400 problem
  // Check the username and password against your users here.
  return sendTokenPair(c, await tokens.issue({ subject: username }));
});
app.get('/me', sec.requireAuth(), (c) => c.json({ user: authClaims(c)?.sub }));
app.get('/metrics', sec.metricsHandler());
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) });
