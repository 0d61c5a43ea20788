/** Node: @hono/node-server hands the adapter the socket. Prints `listening <port>` when ready. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createRuntimeApp } from './app.ts';

const app = await createRuntimeApp();
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
