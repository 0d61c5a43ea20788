import { portcullis } from '@portcullis/express';
import { rateLimitRules } from '@portcullis/rate-limit';
import express from 'express';

export function createApp(): express.Express {
  const sec = portcullis({
    rateLimit: rateLimitRules({
      // First match wins; every other request falls to defaultRule.
      rules: [{ id: 'login', method: 'POST', path: '/auth/login', limit: 3, windowMs: 60_000 }],
      defaultRule: { id: 'default', limit: 10, windowMs: 60_000 },
    }),
  });
  const app = express();
  app.use(sec);
  app.post('/auth/login', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  app.use(sec.errorHandler());
  return app;
}
