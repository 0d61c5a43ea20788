/** Bun: the socket peer through hono/bun's getConnInfo. Prints `listening <port>` when ready. */
import { getConnInfo } from 'hono/bun';
import { createRuntimeApp } from './app.ts';

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch: (req: Request, server: unknown) => unknown }): {
    port: number;
  };
};

const app = await createRuntimeApp({ remoteAddress: (c) => getConnInfo(c).remote.address });
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch });
console.log(`listening ${server.port}`);
