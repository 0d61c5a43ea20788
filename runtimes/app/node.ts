/**
 * Node: @hono/node-server hands the adapter the socket. `--one-call` serves the one-call
 * `portcullis()` app instead of the subpath-entry one. Prints `listening <port>` when ready.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createRuntimeApp } from './app.ts';

const app = process.argv.includes('--one-call')
  ? await (await import('./one-call.ts')).createOneCallApp()
  : await createRuntimeApp();
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
