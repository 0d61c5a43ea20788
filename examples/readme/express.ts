import { randomBytes } from 'node:crypto';
import { createSecurityContext } from '@portcullis/core';
import { authClaims, jsonBody, portcullis, sendTokenPair } from '@portcullis/express';
import { createMetrics } from '@portcullis/metrics';
import { LOGIN_HEALTH_DEFAULT_ZONES } from '@portcullis/rate-limit';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import express from 'express';

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

const app = express();
app.use(jsonBody(), sec); // JSON only: another media type is a 415
app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/auth/login', async (req, res) => {
  // Check req.body.username / password against your users here.
  sendTokenPair(res, await tokens.issue({ subject: String(req.body.username) }));
});
app.get('/me', sec.requireAuth(), (req, res) => {
  res.json({ user: authClaims(req)?.sub });
});
app.get('/metrics', sec.metricsHandler());
app.use(sec.errorHandler());
app.listen(Number(process.env.PORT ?? 3000));
