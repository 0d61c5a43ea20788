import type { AddressInfo } from 'node:net';
import express, { type Request } from 'express';
import { routeStatus, runAuditScenarios } from '../../audit/test/adapter-scenarios.js';
import { auditFileAccess } from '../src/audit.js';
import { requestState } from '../src/http.js';

const user = (req: Request) => requestState(req).user;

runAuditScenarios('express', async ({ audit, clientAddress }) => {
  const app = express();
  app.use((req, _res, next) => {
    const u = req.get('x-test-user');
    if (u !== undefined) requestState(req).user = u;
    next();
  });
  const common = { audit, clientAddress, userId: user, requestId: (req: Request) => req.get('x-request-id') };
  app.get(
    '/files/:id',
    auditFileAccess({ ...common, action: 'read', resource: (req) => String(req.params.id) }),
    (req, res) => {
      const status = routeStatus('download', user(req), String(req.params.id));
      res.status(status).send(status === 200 ? 'content' : '');
    },
  );
  app.post(
    '/files',
    auditFileAccess({ ...common, action: 'write', resource: (req) => req.get('x-file-name') }),
    (req, res) => {
      res.status(routeStatus('upload', user(req), undefined)).end();
    },
  );
  app.delete(
    '/files/:id',
    auditFileAccess({ ...common, action: 'delete', resource: (req) => String(req.params.id) }),
    (_req, res) => {
      res.status(204).end();
    },
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
