import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { routeStatus, runAuditScenarios } from '../../audit/test/adapter-scenarios.js';
import { auditFileAccess } from '../src/audit.js';
import { requestState } from '../src/http.js';

const user = (c: Context) => requestState(c).user as string | undefined;

runAuditScenarios('hono', async ({ audit, clientAddress }) => {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const u = c.req.header('x-test-user');
    if (u !== undefined) requestState(c).user = u;
    await next();
  });
  const common = {
    audit,
    clientAddress,
    userId: user,
    requestId: (c: Context) => c.req.header('x-request-id'),
  };
  app.get(
    '/files/:id',
    auditFileAccess({ ...common, action: 'read', resource: (c) => c.req.param('id') }),
    (c) => {
      const status = routeStatus('download', user(c), c.req.param('id'));
      return new Response(status === 200 ? 'content' : null, { status });
    },
  );
  app.post(
    '/files',
    auditFileAccess({ ...common, action: 'write', resource: (c) => c.req.header('x-file-name') }),
    (c) => c.body(null, routeStatus('upload', user(c), undefined) as 201),
  );
  app.delete(
    '/files/:id',
    auditFileAccess({ ...common, action: 'delete', resource: (c) => c.req.param('id') }),
    (c) => c.body(null, 204),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
