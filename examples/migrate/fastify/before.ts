import fastifyJwt from '@fastify/jwt';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';

export async function createApp(secret: string): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifyRateLimit, { max: 10, timeWindow: '1 minute' });
  await app.register(fastifyJwt, { secret, sign: { expiresIn: '1h' } });
  app.post<{ Body: { username: string } }>(
    '/auth/login',
    { config: { rateLimit: { max: 3, timeWindow: '1 minute' } } },
    async (request) => ({ access_token: app.jwt.sign({ sub: request.body.username }) }),
  );
  app.get('/hello', async () => ({ hello: 'world' }));
  app.get('/me', { onRequest: (request) => request.jwtVerify() }, async (request) => ({
    user: (request.user as { sub: string }).sub,
  }));
  return app;
}
