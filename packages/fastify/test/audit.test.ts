import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyRequest } from 'fastify';
import { routeStatus, runAuditScenarios } from '../../audit/test/adapter-scenarios.js';
import { auditFileAccess } from '../src/audit.js';
import { requestState } from '../src/http.js';

const user = (request: FastifyRequest) => requestState(request).user as string | undefined;
const id = (request: FastifyRequest) => (request.params as { id: string }).id;
const header = (request: FastifyRequest, name: string) => {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
};

runAuditScenarios('fastify', async ({ audit, clientAddress }) => {
  const app = Fastify();
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  app.addHook('onRequest', async (request) => {
    const u = header(request, 'x-test-user');
    if (u !== undefined) requestState(request).user = u;
  });
  const common = {
    audit,
    clientAddress,
    userId: user,
    requestId: (r: FastifyRequest) => header(r, 'x-request-id'),
  };
  app.get(
    '/files/:id',
    { onRequest: auditFileAccess({ ...common, action: 'read', resource: id }) },
    async (request, reply) => {
      const status = routeStatus('download', user(request), id(request));
      return reply.code(status).send(status === 200 ? 'content' : '');
    },
  );
  app.post(
    '/files',
    { onRequest: auditFileAccess({ ...common, action: 'write', resource: (r) => header(r, 'x-file-name') }) },
    async (request, reply) => reply.code(routeStatus('upload', user(request), undefined)).send(),
  );
  app.delete(
    '/files/:id',
    { onRequest: auditFileAccess({ ...common, action: 'delete', resource: id }) },
    async (_r, reply) => reply.code(204).send(),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
});
