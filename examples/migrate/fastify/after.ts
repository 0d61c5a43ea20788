import { authClaims, portcullis, portcullisServerOptions, sendTokenPair } from '@portcullis/fastify';
import { rateLimitRules } from '@portcullis/rate-limit';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import Fastify, { type FastifyInstance } from 'fastify';

export async function createApp(secret: Uint8Array): Promise<FastifyInstance> {
  const keys = await createKeySet({ keys: [{ kid: 'k1', alg: 'HS256', secret }], currentKid: 'k1' });
  const tokens = createTokenService({ keys, issuer: 'https://api.example.com', audience: 'api' });
  const app = Fastify(portcullisServerOptions());
  await app.register(portcullis, {
    rateLimit: rateLimitRules({
      rules: [{ id: 'login', method: 'POST', path: '/auth/login', limit: 3, windowMs: 60_000 }],
      // legacy: also send the X-RateLimit-* headers @fastify/rate-limit clients read.
      defaultRule: { id: 'default', limit: 10, windowMs: 60_000, headers: { legacy: true } },
    }),
    tokens,
  });
  app.setErrorHandler(app.portcullis.errorHandler);
  app.post<{ Body: { username: string } }>('/auth/login', async (request, reply) =>
    sendTokenPair(reply, await tokens.issue({ subject: request.body.username })),
  );
  app.get('/hello', async () => ({ hello: 'world' }));
  app.get('/me', { preHandler: app.portcullis.requireAuth }, async (request) => ({
    user: authClaims(request)?.sub,
  }));
  return app;
}
