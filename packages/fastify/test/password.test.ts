import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { runPasswordScenarios } from '../../password/test/adapter-scenarios.js';
import { requestState } from '../src/index.js';
import { passwordPolicy, passwordResetConfirm, passwordResetRequest } from '../src/password.js';

runPasswordScenarios('fastify', async ({ validator, reset }) => {
  const app = Fastify();
  app.post('/signup', { preHandler: passwordPolicy(validator) }, async (request, reply) => {
    const result = requestState(request).password as { score: number };
    return reply.code(201).send({ score: result.score });
  });
  app.post('/password/reset', passwordResetRequest(reset));
  app.post('/password/reset/confirm', passwordResetConfirm(reset));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
});
