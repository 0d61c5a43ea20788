import { attachModuleKit } from '@portcullis/core';
import { moduleKit } from '@portcullis/tokens';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { runTokenScenarios } from '../../tokens/test/adapter-scenarios.js';
import {
  authClaims,
  logoutAllHandler,
  logoutHandler,
  refreshHandler,
  requireAuth,
  sendTokenPair,
} from '../src/tokens.js';

runTokenScenarios('express', async ({ tokens, options }) => {
  const app = express();
  app.use(express.json());
  app.post('/login', async (req, res, next) => {
    try {
      const { subject } = req.body as { subject: string };
      sendTokenPair(res, await tokens.issue({ subject, claims: { role: 'member' } }), options);
    } catch (err) {
      next(err);
    }
  });
  app.get('/me', requireAuth(tokens, options), (req, res) => {
    const claims = authClaims<{ role: string }>(req);
    res.json({ sub: claims?.sub, role: claims?.role });
  });
  app.post('/refresh', refreshHandler(tokens, options));
  app.post('/logout', logoutHandler(tokens, options));
  app.post('/logout-all', requireAuth(tokens, options), logoutAllHandler(tokens));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});

describe('requireAuth (express)', () => {
  it('forwards a non-Portcullis error to next(err) instead of answering', async () => {
    const boom = new Error('boom');
    const tokens = attachModuleKit({ verify: () => Promise.reject(boom) }, moduleKit) as never;
    let forwarded: unknown;
    await requireAuth(tokens)(
      { headers: { authorization: 'Bearer a.b.c' } } as never,
      {} as never,
      (err?: unknown) => {
        forwarded = err;
      },
    );
    expect(forwarded).toBe(boom);
  });
});
