import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { runPasswordScenarios } from '../../password/test/adapter-scenarios.js';
import { validator } from '../../password/test/fixtures.js';
import { requestState } from '../src/index.js';
import { passwordPolicy, passwordResetConfirm, passwordResetRequest } from '../src/password.js';

runPasswordScenarios('hono', async ({ validator, reset }) => {
  const app = new Hono();
  app.post('/signup', passwordPolicy(validator), (c) => {
    const result = requestState(c).password as { score: number };
    return c.json({ score: result.score }, 201);
  });
  app.post('/password/reset', passwordResetRequest(reset));
  app.post('/password/reset/confirm', passwordResetConfirm(reset));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
});

describe('passwordPolicy (hono, in process)', () => {
  it('answers 400 ERR_INPUT_INVALID for a body that is not JSON', async () => {
    const app = new Hono();
    app.post('/signup', passwordPolicy(validator), (c) => c.text('created', 201));
    const res = await app.request('/signup', {
      method: 'POST',
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('ERR_INPUT_INVALID');
  });
});
