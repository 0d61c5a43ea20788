// ESM: the same app through import.
import { createSecurityContext } from '@portcullis/core';
import { portcullis } from '@portcullis/express';
import { passwordPolicy } from '@portcullis/express/password';
import { LOGIN_HEALTH_DEFAULT_ZONES } from '@portcullis/rate-limit';
import express from 'express';

function outcome(fn) {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return `${err.code}: ${err.detail ?? err.message}`;
  }
}

const sec = portcullis({ context: createSecurityContext(), rateLimit: LOGIN_HEALTH_DEFAULT_ZONES });
const app = express();
app.use(sec);
app.get('/health', (_req, res) => res.json({ status: 'ok' }));
const result = { passwordPiece: outcome(() => passwordPolicy({ validate() {} })) };
const server = app.listen(0, '127.0.0.1', async () => {
  const res = await fetch(`http://127.0.0.1:${server.address().port}/health`);
  result.status = res.status;
  result.policy = res.headers.get('ratelimit-policy');
  server.close();
  console.log(JSON.stringify(result));
});
