import express from 'express';
import { rateLimit } from 'express-rate-limit';

export function createApp(): express.Express {
  const app = express();
  // Every route: 10 requests per minute per client address.
  app.use(rateLimit({ windowMs: 60_000, limit: 10, standardHeaders: 'draft-8', legacyHeaders: false }));
  // Login: 3 per minute, on top of the global limit.
  const loginLimit = rateLimit({
    windowMs: 60_000,
    limit: 3,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
  });
  app.post('/auth/login', loginLimit, (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  return app;
}
