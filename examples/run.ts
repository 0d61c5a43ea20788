/**
 * The demo API's entry point (`pnpm demo`). Until the full demo lands (issue 9), a minimal
 * server on core's contracts: GET /health, problem+json for everything else.
 */
import { createServer } from 'node:http';
import { createClientAddressResolver, PortcullisError, toProblemResponse } from '@portcullis/core';

const port = Number(process.env.PORT ?? 3000);
const resolveClient = createClientAddressResolver();

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const client = resolveClient({ remoteAddress: req.socket.remoteAddress, headers: req.headers });
  const notFound = new PortcullisError('ERR_NOT_FOUND', 404, 'Not Found', {
    detail: `no route for ${req.method} ${path}`,
    extensions: { client: client.address },
  });
  const { status, headers, body } = toProblemResponse(notFound, path);
  res.writeHead(status, headers).end(JSON.stringify(body));
});
server.listen(port, () => {
  console.log(`Portcullis demo listening on http://localhost:${port}`);
  console.log(`  curl -i http://localhost:${port}/health`);
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => server.close(() => process.exit(0)));
