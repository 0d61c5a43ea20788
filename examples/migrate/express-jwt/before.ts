import express, { type ErrorRequestHandler } from 'express';
import { expressjwt, type Request as JwtRequest } from 'express-jwt';
import jwt from 'jsonwebtoken';

export function createApp(secret: string): express.Express {
  const app = express();
  app.post('/auth/login', express.json(), (req, res) => {
    // Check req.body.username / password against your users here.
    res.json({ access_token: jwt.sign({ sub: req.body.username }, secret, { expiresIn: '1h' }) });
  });
  app.get('/me', expressjwt({ secret, algorithms: ['HS256'] }), (req: JwtRequest, res) => {
    res.json({ user: req.auth?.sub });
  });
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    if (err.name === 'UnauthorizedError') res.status(401).json({ error: err.message });
    else next(err);
  };
  app.use(onError);
  return app;
}
