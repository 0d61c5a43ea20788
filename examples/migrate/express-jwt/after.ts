import { authClaims, jsonBody, portcullis, sendTokenPair } from '@portcullis/express';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import express from 'express';

export async function createApp(secret: Uint8Array): Promise<express.Express> {
  const keys = await createKeySet({ keys: [{ kid: 'k1', alg: 'HS256', secret }], currentKid: 'k1' });
  const tokens = createTokenService({ keys, issuer: 'https://api.example.com', audience: 'api' });
  const sec = portcullis({ tokens });
  const app = express();
  app.use(sec);
  app.post('/auth/login', jsonBody(), async (req, res) => {
    // Check req.body.username / password against your users here.
    sendTokenPair(res, await tokens.issue({ subject: String(req.body.username) }));
  });
  app.get('/me', sec.requireAuth(), (req, res) => {
    res.json({ user: authClaims(req)?.sub });
  });
  app.use(sec.errorHandler());
  return app;
}
