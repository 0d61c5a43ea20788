/** Deno: the socket peer through hono/deno's getConnInfo. Prints `listening <port>` when ready. */
import { getConnInfo } from 'hono/deno';
import { createRuntimeApp } from './app.ts';

declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen(addr: { port: number }): void },
    handler: (req: Request, info: unknown) => Response | Promise<Response>,
  ): unknown;
};

const app = await createRuntimeApp({ remoteAddress: (c) => getConnInfo(c).remote.address });
Deno.serve(
  { port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`listening ${port}`) },
  app.fetch,
);
