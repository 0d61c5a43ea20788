// ESM TypeScript (module nodenext): the README's Express app, typechecked and run.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createSecurityContext } from '@portcullis/core';
import { authClaims, jsonBody, portcullis, sendTokenPair } from '@portcullis/express';
import { guardUploads } from '@portcullis/express/uploads';
import { createMetrics } from '@portcullis/metrics';
import { createMimeGuard } from '@portcullis/mime-guard';
import { createPasswordValidator } from '@portcullis/password';
import { LOGIN_HEALTH_DEFAULT_ZONES } from '@portcullis/rate-limit';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import express from 'express';

const context = createSecurityContext({ trustProxy: ['loopback'] });
const keys = await createKeySet({
  keys: [{ kid: 'k1', alg: 'HS256', secret: randomBytes(32) }],
  currentKid: 'k1',
});
const tokens = createTokenService({ keys, issuer: 'https://api.example.com', audience: 'api', context });
const sec = portcullis({
  context,
  rateLimit: LOGIN_HEALTH_DEFAULT_ZONES,
  tokens,
  metrics: createMetrics({ context }),
  passwordValidator: createPasswordValidator(),
});
const app = express();
app.use(jsonBody(), sec);
app.post('/auth/login', async (req, res) => {
  sendTokenPair(res, await tokens.issue({ subject: (req.body as { username: string }).username }));
});
app.post('/password', sec.passwordPolicy(), (_req, res) => res.json({ ok: true }));
app.post('/files', guardUploads(createMimeGuard(), { store: async () => 'stored' }), (_req, res) =>
  res.json({}),
);
app.get('/me', sec.requireAuth(), (req, res) => res.json({ user: authClaims(req)?.sub }));
app.use(sec.errorHandler());

const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const json = { 'content-type': 'application/json' };
const login = await fetch(`${base}/auth/login`, {
  method: 'POST',
  headers: json,
  body: '{"username":"alice"}',
});
const pair = (await login.json()) as { access_token: string };
const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${pair.access_token}` } });
const weak = await fetch(`${base}/password`, { method: 'POST', headers: json, body: '{"password":"123"}' });
server.close();
console.log(JSON.stringify({ login: login.status, me: await me.json(), weak: weak.status }));
