/**
 * The Worker through the one-call entry (`portcullis()` from `@portcullis/hono`), with only rate
 * limiting and tokens configured: bundled by runtimes/bundle-size.ts to measure what that entry
 * pulls into a Worker.
 */
import type { Hono } from 'hono';
import { createOneCallApp } from './one-call.ts';

let app: Promise<Hono> | undefined;

export default {
  async fetch(request: Request, env: unknown, ctx: unknown): Promise<Response> {
    app ??= createOneCallApp(undefined, { clientAddressHeader: 'cf-connecting-ip' });
    return (await app).fetch(request, env, ctx as never);
  },
};
