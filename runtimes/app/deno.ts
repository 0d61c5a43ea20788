/**
 * Deno: the socket peer through hono/deno's getConnInfo. `--one-call` serves the one-call
 * `portcullis()` app instead of the subpath-entry one. Prints `listening <port>` when ready.
 */
import type { Context } from 'hono';
import { getConnInfo } from 'hono/deno';
import { createRuntimeApp } from './app.ts';

declare const Deno: {
  args: string[];
  serve(
    options: { port: number; hostname: string; onListen(addr: { port: number }): void },
    handler: (req: Request, info: unknown) => Response | Promise<Response>,
  ): unknown;
};

const remoteAddress = (c: Context) => getConnInfo(c).remote.address;
const app = Deno.args.includes('--one-call')
  ? await (await import('./one-call.ts')).createOneCallApp(
      Deno.args.includes('--no-peer') ? undefined : remoteAddress,
    )
  : await createRuntimeApp({ remoteAddress });
Deno.serve(
  { port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`listening ${port}`) },
  app.fetch,
);
