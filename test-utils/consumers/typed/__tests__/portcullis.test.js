// Jest 30 with no flag: its module runtime require()s the CommonJS builds.
const { createSecurityContext } = require('@portcullis/core');
const { authClaims, portcullis } = require('@portcullis/express');
const { createMimeGuard } = require('@portcullis/mime-guard');
const { LOGIN_HEALTH_DEFAULT_ZONES } = require('@portcullis/rate-limit');
const { createKeySet, createTokenService } = require('@portcullis/tokens');
const express = require('express');

test('the one-call entry rate-limits and verifies tokens under Jest', async () => {
  const context = createSecurityContext();
  const keys = await createKeySet({
    keys: [{ kid: 'k1', alg: 'HS256', secret: Buffer.alloc(32, 7) }],
    currentKid: 'k1',
  });
  const tokens = createTokenService({ keys, issuer: 'https://api.example.com', audience: 'api', context });
  const sec = portcullis({ context, rateLimit: LOGIN_HEALTH_DEFAULT_ZONES, tokens });
  const app = express();
  app.use(sec);
  app.get('/me', sec.requireAuth(), (req, res) => res.json({ user: authClaims(req)?.sub }));
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { access_token } = await tokens.issue({ subject: 'carol' });
  const res = await fetch(`http://127.0.0.1:${server.address().port}/me`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  server.close();
  expect(res.status).toBe(200);
  expect(res.headers.get('ratelimit-policy')).toContain('default');
  expect(await res.json()).toEqual({ user: 'carol' });
});

test('the MIME guard (file-type inside) judges bytes under Jest', async () => {
  const guard = createMimeGuard({ allow: ['pdf'] });
  const pdf = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
  const accepted = await guard.inspect(pdf, { filename: 'a.pdf' });
  expect(accepted.ok).toBe(true);
  const refused = await guard.inspect(Buffer.from('MZ\x90\x00\x03\x00\x00\x00'), { filename: 'a.pdf' });
  expect(refused.ok).toBe(false);
});
