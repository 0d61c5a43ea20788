/**
 * The demo API, Hono flavour. The whole security set-up is the `portcullis(...)` call; the
 * routes below only translate requests to the shared application logic in ../src/routes.ts.
 */
import { Readable } from 'node:stream';
import { InputError } from '@portcullis/core';
import { authClaims, clientAddressInput, portcullis, problemResponse } from '@portcullis/hono';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createDemoRoutes, notFound, type RouteResult } from '../src/routes.ts';
import type { DemoSecurity } from '../src/security.ts';

async function json(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new InputError('ERR_INPUT_INVALID', 'body must be JSON');
  }
}

/** Builds the Hono app over the demo's modules (serve it with @hono/node-server). */
export function createHonoApp(s: DemoSecurity): Hono {
  const routes = createDemoRoutes(s);
  const sec = portcullis({
    context: s.context,
    rateLimit: s.rateLimit,
    tokens: s.tokens,
    metrics: s.metrics,
    scrape: { source: s.metricsSource, token: s.config.metricsToken },
    passwordValidator: s.validator,
    passwordReset: s.reset,
    uploads: {
      guard: s.uploadGuard,
      context: (c) => ({
        userId: authClaims(c)?.sub,
        clientAddress: s.clientAddress(clientAddressInput(c)).address,
      }),
      store: (file, c) => routes.storeUpload(file, authClaims(c)),
    },
    audit: s.audit,
  });

  const app = new Hono();
  app.use(sec);
  const send = (c: Context, r: RouteResult) =>
    r.body === undefined
      ? c.body(null, r.status as 204, r.headers as Record<string, string>)
      : c.json(r.body, r.status as 200, r.headers as Record<string, string>);
  const jsonLimit = bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new InputError('ERR_INPUT_TOO_LARGE', 'body over 16 KiB');
    },
  });
  // Uploads stream through the guard (its maxFileSize and maxFiles bound them): no bodyLimit,
  // which would answer 413 before reading the body (a client still sending sees a reset) and
  // before the guard could count the refusal.

  app.get('/health', (c) => send(c, routes.health()));
  app.post('/auth/register', jsonLimit, sec.passwordPolicy(), async (c) =>
    send(c, await routes.register(await json(c))),
  );
  app.post('/auth/login', jsonLimit, async (c) =>
    send(c, await routes.login(await json(c), clientAddressInput(c))),
  );
  app.post('/auth/refresh', jsonLimit, async (c) => send(c, await routes.refresh(await json(c))));
  app.post('/auth/logout', sec.requireAuth(), async (c) => send(c, await routes.logout(c.req.raw.headers)));
  app.post('/auth/logout-all', sec.requireAuth(), async (c) =>
    send(c, await routes.logoutAll(authClaims(c))),
  );
  app.get('/me', sec.requireAuth(), (c) => send(c, routes.me(authClaims(c))));
  app.post('/auth/password-reset', jsonLimit, sec.passwordResetRequest());
  app.post('/auth/password-reset/confirm', jsonLimit, async (c) =>
    send(c, await routes.resetConfirm(await json(c), clientAddressInput(c), c.req.header('accept-language'))),
  );
  app.post(
    '/files',
    sec.auditFile('write', () => 'files'),
    sec.requireAuth(),
    sec.uploads(),
    (c) => send(c, routes.uploaded((c.get('portcullis').uploads as { files: [] } | undefined)?.files)),
  );
  app.get(
    '/files/:id',
    sec.auditFile('read', (c) => c.req.param('id')),
    sec.requireAuth(),
    async (c) => {
      const file = await routes.download(c.req.param('id'), authClaims(c));
      return new Response(Readable.toWeb(file.stream) as ReadableStream, {
        status: 200,
        headers: file.headers,
      });
    },
  );
  app.get('/metrics', sec.metricsHandler());
  app.notFound((c) => problemResponse(notFound(c.req.method, c.req.path), c.req.path));
  app.onError((err, c) => problemResponse(err, c.req.path));
  return app;
}
