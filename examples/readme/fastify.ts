import { randomBytes } from 'node:crypto';
import { createSecurityContext } from '@portcullis/core';
import { authClaims, portcullis, portcullisServerOptions, sendTokenPair } from '@portcullis/fastify';
import { createMetrics } from '@portcullis/metrics';
import { LOGIN_HEALTH_DEFAULT_ZONES } from '@portcullis/rate-limit';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import Fastify from 'fastify';

// One context per app: the one place that says which proxies may set X-Forwarded-For.
const context = createSecurityContext({ trustProxy: ['loopback'] });
const keys = await createKeySet({
  keys: [{ kid: 'k1', alg: 'HS256', secret: randomBytes(32) }],
  currentKid: 'k1',
});
const tokens = createTokenService({ keys, issuer: 'https://api.example.com', audience: 'api', context });
const app = Fastify(portcullisServerOptions());
await app.register(portcullis, {
  context,
  rateLimit: LOGIN_HEALTH_DEFAULT_ZONES,
  tokens,
  metrics: createMetrics({ context }),
});
app.setErrorHandler(app.portcullis.errorHandler);
app.get('/health', async () => ({ status: 'ok' }));
app.post<{ Body: { username: string } }>('/auth/login', async (request, reply) =>
  // Check the username and password against your users here.
  sendTokenPair(reply, await tokens.issue({ subject: request.body.username })),
);
app.get('/me', { preHandler: app.portcullis.requireAuth }, async (request) => ({
  user: authClaims(request)?.sub,
}));
app.get('/metrics', app.portcullis.metricsHandler);
await app.listen({ port: Number(process.env.PORT ?? 3000) });
