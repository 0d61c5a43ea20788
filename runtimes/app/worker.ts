/**
 * Cloudflare Workers (workerd): no socket; the platform writes the client address into
 * `cf-connecting-ip`, which the context is told to read. Memory stores live per isolate.
 */
import type { Hono } from 'hono';
import { createRuntimeApp } from './app.ts';

let app: Promise<Hono> | undefined;

export default {
  async fetch(request: Request, env: unknown, ctx: unknown): Promise<Response> {
    app ??= createRuntimeApp({ context: { clientAddressHeader: 'cf-connecting-ip' } });
    return (await app).fetch(request, env, ctx as never);
  },
};
