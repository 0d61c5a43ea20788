import Fastify, { type FastifyRequest } from 'fastify';
import { runAdapterScenarios } from '../../rate-limit/test/adapter-scenarios.js';
import { requestState } from '../src/index.js';
import { rateLimitPlugin } from '../src/rate-limit.js';

runAdapterScenarios('fastify', async (policy) => {
  const app = Fastify();
  await app.register(rateLimitPlugin, { policy });
  const echo = async (request: FastifyRequest) => ({
    rule: (requestState(request).rateLimit as { rule: string }).rule,
  });
  app.post('/auth/login', echo);
  app.get('/health', echo);
  app.get('/items', echo);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl: address, close: () => app.close() };
});
