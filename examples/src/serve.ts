/**
 * Starts one flavour of the demo on a port (0: any free port) and returns its URL and a close
 * function. Used by run.ts, the end-to-end suite and the HTTP benchmark alike.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createExpressApp } from '../express/app.ts';
import { createFastifyApp } from '../fastify/app.ts';
import { createHonoApp } from '../hono/app.ts';
import type { Framework } from './config.ts';
import type { DemoSecurity } from './security.ts';
import { serverTimeouts } from './timeouts.ts';

/** A running demo server. */
export interface RunningDemo {
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits for open ones to finish. */
  close(): Promise<void>;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Starts `framework`'s app over `sec` on `host:port`. */
export async function startDemoServer(
  framework: Framework,
  sec: DemoSecurity,
  port: number,
  host = '127.0.0.1',
): Promise<RunningDemo> {
  let server: Server;
  let close: () => Promise<void>;
  if (framework === 'fastify') {
    const app = await createFastifyApp(sec);
    await app.listen({ port, host });
    server = app.server;
    close = () => app.close();
  } else if (framework === 'express') {
    const app = createExpressApp(sec);
    server = createServer(serverTimeouts(sec.config), app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(port, host, () => resolve());
    });
    close = () => closeServer(server);
  } else {
    const app = createHonoApp(sec);
    server = await new Promise<Server>((resolve) => {
      const s = serve(
        { fetch: app.fetch, port, hostname: host, serverOptions: serverTimeouts(sec.config) },
        () => resolve(s as Server),
      ) as Server;
    });
    close = () => closeServer(server);
  }
  const actual = portOf(server);
  return { url: `http://${host}:${actual}`, port: actual, close };
}
