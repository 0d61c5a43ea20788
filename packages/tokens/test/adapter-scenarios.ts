/**
 * The one scenario table the Express, Fastify and Hono token adapters all run over real loopback
 * sockets, so their behaviour cannot drift apart. Each adapter test serves these routes:
 *
 * | route             | wiring                                                                  |
 * |-------------------|-------------------------------------------------------------------------|
 * | POST /login       | `{ subject }` body → `tokens.issue` → the adapter's send-pair helper     |
 * | GET  /me          | `requireAuth` → 200 `{ sub, role }` from the typed claims                |
 * | POST /refresh     | `refreshHandler(tokens)`                                                 |
 * | POST /logout      | `logoutHandler(tokens)`                                                  |
 * | POST /logout-all  | `requireAuth` then `logoutAllHandler(tokens)`                            |
 *
 * with `ctx.options` (the `__Host-at` cookie transport) passed to every helper.
 */
import {
  createManualClock,
  type ManualClock,
  PROBLEM_CONTENT_TYPE,
  type RevocationStore,
  StoreError,
} from '@portcullis/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeySet,
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  createTokenService,
  createTokenVerifier,
  generateSigningKey,
  type TokenPair,
  type TokenService,
} from '../src/index.js';
import { type IdpKey, idpKey, idpToken, type JwksServer, startJwksServer } from './jwks-server.js';

export interface TokenAppContext {
  tokens: TokenService<{ role: string }>;
  options: { cookie: string };
}

export interface RunningTokenApp {
  baseUrl: string;
  close(): Promise<void>;
}

export type TokenAppFactory = (ctx: TokenAppContext) => Promise<RunningTokenApp>;

/** Runs every scenario against an app built by `factory`. */
export function runTokenScenarios(adapter: string, factory: TokenAppFactory): void {
  describe(`token adapter scenarios (${adapter})`, () => {
    let app: RunningTokenApp;
    const clock: ManualClock = createManualClock(Date.now());
    let storeDown = false;
    const memory = createMemoryRevocationStore({ clock, warn: false });
    const revocationStore: RevocationStore = {
      revokeToken: (k, s, e) => memory.revokeToken(k, s, e),
      revokeSubject: (s, w, t) => memory.revokeSubject(s, w, t),
      revokeSession: (s, k, e) => memory.revokeSession(s, k, e),
      isRevoked: (k, s, i, sk) => {
        if (storeDown) return Promise.reject(new StoreError('ERR_STORE_UNAVAILABLE', 'down for the test'));
        return memory.isRevoked(k, s, i, sk);
      },
      subjectWatermark: (s) => memory.subjectWatermark(s),
    };

    beforeAll(async () => {
      const keys = await createKeySet({ currentKid: 'k1', keys: [await generateSigningKey('EdDSA', 'k1')] });
      const tokens = createTokenService<{ role: string }>({
        keys,
        issuer: 'https://auth.example',
        audience: 'api',
        clock,
        accessTtlSec: 900,
        revocationStore,
        refreshStore: createMemoryRefreshTokenStore({ clock, warn: false }),
      });
      app = await factory({ tokens, options: { cookie: '__Host-at' } });
    });
    afterAll(() => app.close());

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(app.baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const me = (headers: Record<string, string> = {}, query = '') =>
      fetch(`${app.baseUrl}/me${query}`, { headers });
    const login = async (subject = 'user-1'): Promise<TokenPair> => {
      const res = await post('/login', { subject });
      expect(res.status).toBe(200);
      return (await res.json()) as TokenPair;
    };
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const expectProblem = async (res: Response, status: number, code: string, challenge?: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
      if (challenge !== undefined) expect(res.headers.get('www-authenticate')).toBe(challenge);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    };

    it('answers login with a pair, no-store caching and a __Host- HttpOnly Secure SameSite cookie', async () => {
      const res = await post('/login', { subject: 'user-1' });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('set-cookie')).toMatch(
        /^__Host-at=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=900; HttpOnly; Secure; SameSite=Strict$/,
      );
      const pair = (await res.json()) as TokenPair;
      expect(pair).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    });

    it('refuses a request without a token with 401 and a bare Bearer challenge', async () => {
      await expectProblem(await me(), 401, 'ERR_TOKEN_MISSING', 'Bearer');
    });

    it('exposes the typed claims of a valid Bearer token', async () => {
      const pair = await login();
      const res = await me(bearer(pair.access_token));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: 'user-1', role: 'member' });
    });

    it('accepts the access token from the __Host- cookie', async () => {
      const pair = await login();
      const res = await me({ cookie: `__Host-at=${pair.access_token}` });
      expect(res.status).toBe(200);
    });

    it('never reads a token from the query string', async () => {
      const pair = await login();
      await expectProblem(
        await me({}, `?access_token=${pair.access_token}`),
        401,
        'ERR_TOKEN_MISSING',
        'Bearer',
      );
    });

    it('refuses a malformed token with invalid_token and does not echo it', async () => {
      const res = await me(bearer('not-a-jwt'));
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      const text = await res.text();
      expect(res.status).toBe(401);
      expect(text).toContain('ERR_TOKEN_MALFORMED');
      expect(text).not.toContain('not-a-jwt');
    });

    it('refuses an expired token with ERR_TOKEN_EXPIRED', async () => {
      const pair = await login();
      clock.advance(900_000 + 31_000);
      await expectProblem(
        await me(bearer(pair.access_token)),
        401,
        'ERR_TOKEN_EXPIRED',
        'Bearer error="invalid_token"',
      );
    });

    it('rotates at /refresh, answers a retry with the same pair, and revokes the family on reuse after the window', async () => {
      const pair = await login();
      const r1 = await post('/refresh', { refresh_token: pair.refresh_token });
      expect(r1.status).toBe(200);
      expect(r1.headers.get('cache-control')).toBe('no-store');
      const next = (await r1.json()) as TokenPair;
      expect(next.refresh_token).not.toBe(pair.refresh_token);
      const retry = (await (
        await post('/refresh', { refresh_token: pair.refresh_token })
      ).json()) as TokenPair;
      expect(retry).toEqual(next);
      clock.advance(5001);
      await expectProblem(
        await post('/refresh', { refresh_token: pair.refresh_token }),
        401,
        'ERR_TOKEN_REUSED',
      );
      await expectProblem(
        await post('/refresh', { refresh_token: next.refresh_token }),
        401,
        'ERR_TOKEN_REVOKED',
      );
    });

    it('refuses /refresh without a refresh token', async () => {
      await expectProblem(await post('/refresh', {}), 401, 'ERR_TOKEN_MISSING');
    });

    it('logs out: 200, the session is gone, and a second logout answers the same', async () => {
      const pair = await login();
      const out = await post('/logout', { token: pair.refresh_token }, bearer(pair.access_token));
      expect(out.status).toBe(200);
      await expectProblem(await me(bearer(pair.access_token)), 401, 'ERR_TOKEN_REVOKED');
      await expectProblem(
        await post('/refresh', { refresh_token: pair.refresh_token }),
        401,
        'ERR_TOKEN_REVOKED',
      );
      expect((await post('/logout', { token: pair.refresh_token })).status).toBe(200);
      expect((await post('/logout', { token: 'never-issued' })).status).toBe(200);
    });

    it('logs out everywhere: every token of the user is refused, others keep working', async () => {
      const a = await login('user-2');
      const b = await login('user-2');
      const other = await login('user-3');
      clock.advance(1);
      const res = await post('/logout-all', {}, bearer(a.access_token));
      expect(res.status).toBe(204);
      await expectProblem(await me(bearer(b.access_token)), 401, 'ERR_TOKEN_REVOKED');
      await expectProblem(
        await post('/refresh', { refresh_token: b.refresh_token }),
        401,
        'ERR_TOKEN_REVOKED',
      );
      expect((await me(bearer(other.access_token))).status).toBe(200);
    });

    it('refresh-token reuse revokes the session: every access token of the family is refused', async () => {
      const first = await login('user-4');
      const second = (await (
        await post('/refresh', { refresh_token: first.refresh_token })
      ).json()) as TokenPair;
      const elsewhere = await login('user-4');
      expect((await me(bearer(second.access_token))).status).toBe(200);
      clock.advance(5001);
      await expectProblem(
        await post('/refresh', { refresh_token: first.refresh_token }),
        401,
        'ERR_TOKEN_REUSED',
      );
      await expectProblem(await me(bearer(first.access_token)), 401, 'ERR_TOKEN_REVOKED');
      await expectProblem(await me(bearer(second.access_token)), 401, 'ERR_TOKEN_REVOKED');
      // Another login of the same user is another session: untouched.
      expect((await me(bearer(elsewhere.access_token))).status).toBe(200);
    });

    it('logout with the newest access token ends the session: an earlier access token of it is refused', async () => {
      const first = await login('user-5');
      const second = (await (
        await post('/refresh', { refresh_token: first.refresh_token })
      ).json()) as TokenPair;
      const elsewhere = await login('user-5');
      expect((await post('/logout', {}, bearer(second.access_token))).status).toBe(200);
      await expectProblem(await me(bearer(first.access_token)), 401, 'ERR_TOKEN_REVOKED');
      await expectProblem(await me(bearer(second.access_token)), 401, 'ERR_TOKEN_REVOKED');
      await expectProblem(
        await post('/refresh', { refresh_token: second.refresh_token }),
        401,
        'ERR_TOKEN_REVOKED',
      );
      expect((await me(bearer(elsewhere.access_token))).status).toBe(200);
    });

    it('answers 503 with Retry-After when the revocation store is down (fail closed)', async () => {
      const pair = await login();
      storeDown = true;
      try {
        const res = await me(bearer(pair.access_token));
        expect(res.headers.get('retry-after')).toBe('5');
        await expectProblem(res, 503, 'ERR_STORE_UNAVAILABLE');
      } finally {
        storeDown = false;
      }
    });
  });

  describe(`resource server behind ${adapter}: an identity provider's JWKS on loopback`, () => {
    const ISS = 'https://sso.example/realms/acme';
    let app: RunningTokenApp;
    let server: JwksServer;
    const k1: IdpKey = idpKey('k1', 'RS256');
    const k2: IdpKey = idpKey('k2', 'RS256');
    const e1: IdpKey = idpKey('e1', 'ES256');
    const claims = { sub: 'user-9', iss: ISS, aud: 'api', role: 'reader' };

    beforeAll(async () => {
      server = await startJwksServer([k1, e1]);
      const keys = await createKeySet({ currentKid: 'k1', keys: [await generateSigningKey('EdDSA', 'k1')] });
      const service = createTokenService<{ role: string }>({
        keys,
        issuer: 'https://auth.example',
        audience: 'api',
        revocationStore: createMemoryRevocationStore({ warn: false }),
        refreshStore: createMemoryRefreshTokenStore({ warn: false }),
      });
      // Cooldown 0: an unknown kid refetches the set at once, so a rotation is seen without waiting.
      const verifier = createTokenVerifier<{ role: string }>({
        jwks: { url: server.url, cooldownMs: 0, timeoutMs: 500 },
        issuer: ISS,
        audience: 'api',
      });
      // The adapters' existing requireAuth takes a token service; only its verify is used on /me.
      app = await factory({
        tokens: { ...service, verify: verifier.verify },
        options: { cookie: '__Host-at' },
      });
    });
    afterAll(async () => {
      await app.close();
      await server.close();
    });

    const me = (token: string) =>
      fetch(`${app.baseUrl}/me`, { headers: { authorization: `Bearer ${token}` } });

    it('verifies RS256 and ES256 tokens, follows a key rotation, refuses tokens of a removed key, and answers 503 when the provider is gone', async () => {
      const old = await idpToken(k1, claims);
      let res = await me(old);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: 'user-9', role: 'reader' });
      expect((await me(await idpToken(e1, claims))).status).toBe(200);

      // Rotation: k2 published, k1 withdrawn. The first k2 token makes the set refetch.
      server.setKeys([k2, e1]);
      expect((await me(await idpToken(k2, claims))).status).toBe(200);
      res = await me(old);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(((await res.json()) as { code: string }).code).toBe('ERR_TOKEN_INVALID');

      // A typ JWT token is refused by the at+jwt default with the same generic 401.
      expect((await me(await idpToken(k2, claims, { typ: 'JWT' }))).status).toBe(401);

      // Provider gone: a token naming a kid not in the cache needs a refetch, which fails: 503, fast.
      await server.close();
      const started = Date.now();
      res = await me(await idpToken(idpKey('k3', 'RS256'), claims));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { code: string }).code).toBe('ERR_STORE_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(2000);
      // Tokens of keys still cached keep working while the set is fresh.
      expect((await me(await idpToken(k2, claims))).status).toBe(200);
    });
  });
}
