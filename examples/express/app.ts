/**
 * The demo API, Express flavour. The whole security set-up is the `portcullis(...)` call; the
 * routes below only translate requests to the shared application logic in ../src/routes.ts.
 */
import { authClaims, clientAddressInput, portcullis } from '@portcullis/express';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createDemoRoutes, notFound, type RouteResult } from '../src/routes.ts';
import type { DemoSecurity } from '../src/security.ts';

/** Builds the Express app over the demo's modules. */
export function createExpressApp(s: DemoSecurity): Express {
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
      context: (req) => ({
        userId: authClaims(req)?.sub,
        clientAddress: s.clientAddress(clientAddressInput(req)).address,
      }),
      store: (file, req) => routes.storeUpload(file, authClaims(req)),
    },
    audit: s.audit,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false); // the client address is core's resolver's job (TRUST_PROXY)
  app.use(sec);
  const json = express.json({ limit: '16kb' });
  const send = (res: Response, r: RouteResult) => {
    res.status(r.status).set(r.headers ?? {});
    if (r.body === undefined) res.end();
    else res.json(r.body);
  };
  // Express 5 forwards a rejected promise to the error handler (problem+json below).
  const route =
    (fn: (req: Request) => RouteResult | Promise<RouteResult>) => async (req: Request, res: Response) =>
      send(res, await fn(req));

  app.get(
    '/health',
    route(() => routes.health()),
  );
  app.post(
    '/auth/register',
    json,
    sec.passwordPolicy(),
    route((req) => routes.register(req.body)),
  );
  app.post(
    '/auth/login',
    json,
    route((req) => routes.login(req.body, clientAddressInput(req))),
  );
  app.post(
    '/auth/refresh',
    json,
    route((req) => routes.refresh(req.body)),
  );
  app.post(
    '/auth/logout',
    sec.requireAuth(),
    route((req) => routes.logout(req.headers)),
  );
  app.post(
    '/auth/logout-all',
    sec.requireAuth(),
    route((req) => routes.logoutAll(authClaims(req))),
  );
  app.get(
    '/me',
    sec.requireAuth(),
    route((req) => routes.me(authClaims(req))),
  );
  app.post('/auth/password-reset', json, sec.passwordResetRequest());
  app.post(
    '/auth/password-reset/confirm',
    json,
    route((req) => routes.resetConfirm(req.body, clientAddressInput(req), req.headers['accept-language'])),
  );
  app.post(
    '/files',
    sec.auditFile('write', () => 'files'),
    sec.requireAuth(),
    sec.uploads(),
    route((req) => routes.uploaded((req.portcullis?.uploads as { files: [] } | undefined)?.files)),
  );
  app.get(
    '/files/:id',
    sec.auditFile('read', (req) => String(req.params.id)),
    sec.requireAuth(),
    async (req: Request, res: Response, next: NextFunction) => {
      const file = await routes.download(String(req.params.id), authClaims(req));
      res.status(200).set(file.headers);
      file.stream.once('error', next).pipe(res);
    },
  );
  app.get('/metrics', sec.metricsHandler());
  app.use((req: Request) => {
    throw notFound(req.method, req.path);
  });
  app.use(sec.errorHandler());
  return app;
}
