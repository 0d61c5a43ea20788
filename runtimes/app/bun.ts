/**
 * Bun: the socket peer through hono/bun's getConnInfo. `--one-call` serves the one-call
 * `portcullis()` app instead of the subpath-entry one. Prints `listening <port>` when ready.
 */

import type { Context } from 'hono';
import { getConnInfo } from 'hono/bun';
import { createRuntimeApp } from './app.ts';

declare const Bun: {
  argv: string[];
  serve(options: { port: number; hostname: string; fetch: (req: Request, server: unknown) => unknown }): {
    port: number;
  };
};

const remoteAddress = (c: Context) => getConnInfo(c).remote.address;
const app = Bun.argv.includes('--one-call')
  ? await (await import('./one-call.ts')).createOneCallApp(
      Bun.argv.includes('--no-peer') ? undefined : remoteAddress,
    )
  : await createRuntimeApp({ remoteAddress });
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch });
console.log(`listening ${server.port}`);
