import { attachModuleKit } from '@portcullis/core';
import { moduleKit } from '@portcullis/tokens';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { runTokenScenarios } from '../../tokens/test/adapter-scenarios.js';
import {
  authClaims,
  logoutAllHandler,
  logoutHandler,
  portcullisTokens,
  refreshHandler,
  requireAuth,
  sendTokenPair,
} from '../src/tokens.js';

runTokenScenarios('fastify', async ({ tokens, options }) => {
  const app = Fastify();
  await app.register(portcullisTokens, { tokens, ...options });
  app.post('/login', async (request, reply) => {
    const { subject } = request.body as { subject: string };
    return sendTokenPair(reply, await tokens.issue({ subject, claims: { role: 'member' } }), options);
  });
  app.get('/me', { preHandler: app.requireAuth }, async (request) => {
    const claims = authClaims<{ role: string }>(request);
    return { sub: claims?.sub, role: claims?.role };
  });
  app.post('/refresh', refreshHandler(tokens, options));
  app.post('/logout', logoutHandler(tokens, options));
  app.post('/logout-all', { preHandler: requireAuth(tokens, options) }, logoutAllHandler(tokens));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
});

describe('portcullisTokens (fastify)', () => {
  it('decorates the instance with requireAuth through fastify-plugin (visible outside its scope)', async () => {
    const app = Fastify();
    await app.register(portcullisTokens, {
      tokens: attachModuleKit({ verify: async () => ({}) }, moduleKit) as never,
    });
    expect(typeof app.requireAuth).toBe('function');
    await app.close();
  });

  it('fails register() with a ConfigError when tokens is not a verifier (no pending plugin)', async () => {
    const app = Fastify();
    await expect(app.register(portcullisTokens, { tokens: {} as never })).rejects.toThrow(
      'requireAuth: expected a token service (createTokenService) or a verifier (createTokenVerifier), got an object',
    );
    await app.close();
  });
});
