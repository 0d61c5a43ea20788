/**
 * The end-to-end scenario table of the demo API, written once and run against each flavour
 * (e2e-express / e2e-fastify / e2e-hono) over real HTTP on loopback, so the three cannot drift.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyFiles } from '@portcullis/audit';
import { hashPassword } from '@portcullis/password';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { elf, pdf, png } from '../../packages/mime-guard/test/fixtures.ts';
import type { Framework } from '../src/config.ts';
import { type DemoHarness, MAX_UPLOAD_BYTES, METRICS_TOKEN, startHarness } from './harness.ts';

const PROBLEM = /^application\/problem\+json/;
const STRONG = 'Plenty-Of-Entropy-42';

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  raw: Uint8Array;
}

/** Runs the whole table against one flavour. */
export function runDemoScenarios(framework: Framework): void {
  describe(`demo API over ${framework}`, () => {
    let h: DemoHarness;
    let userSeq = 0;

    const call = async (method: string, path: string, init: RequestInit = {}): Promise<Reply> => {
      const res = await fetch(`${h.url}${path}`, { method, ...init });
      const raw = new Uint8Array(await res.arrayBuffer());
      const text = Buffer.from(raw).toString('utf8');
      let body: Record<string, unknown> = {};
      if (/json/.test(res.headers.get('content-type') ?? '') && text !== '') body = JSON.parse(text);
      return { status: res.status, headers: res.headers, body, raw };
    };
    const post = (path: string, json: unknown, token?: string) =>
      call('POST', path, {
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(json),
      });
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const login = async (username: string, password: string) => {
      const r = await post('/auth/login', { username, password });
      expect(r.status).toBe(200);
      return r.body as { accessToken: string; refreshToken: string };
    };
    /** The token of the sign-up link in the next mail. */
    const signupToken = async (to: string) => {
      const mail = await h.nextMail();
      expect(mail.to).toEqual([to]);
      return /http:\/\/demo\.test\/register\?token=([A-Za-z0-9_-]+)/.exec(mail.decoded)?.[1];
    };
    /**
     * A fresh user, so scenarios never share sessions. Created in the repository with one shared
     * hash (the sign-up over HTTP has its own scenarios): a scrypt per user is slow on a loaded machine.
     */
    let strongHash: Promise<string> | undefined;
    const newUser = async () => {
      const n = ++userSeq;
      const user = { username: `user${n}`, email: `user${n}@example.test`, password: STRONG };
      strongHash ??= hashPassword(STRONG);
      const { username, email } = user;
      expect(await h.sec.users.create({ username, email, passwordHash: await strongHash })).not.toBe('taken');
      return user;
    };
    const upload = (token: string | undefined, bytes: Uint8Array, name: string, type: string) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
      return call('POST', '/files', { body: form, ...(token ? bearer(token) : {}) });
    };

    beforeAll(async () => {
      h = await startHarness(framework);
    });
    afterAll(async () => {
      await h?.close();
    });
    // Every scenario starts with fresh rate-limit windows: two minutes pass on the manual clock.
    beforeEach(() => {
      h.clock.advance(120_000);
    });

    it('GET /health answers 200 {"status":"ok"} with its 20/min policy in the headers', async () => {
      const r = await call('GET', '/health');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ status: 'ok' });
      expect(r.headers.get('ratelimit-policy')).toBe('"health";q=20;w=60');
    });

    it('refuses the 21st GET /health in a minute with 429 problem+json', async () => {
      for (let i = 0; i < 20; i++) expect((await call('GET', '/health')).status).toBe(200);
      const r = await call('GET', '/health');
      expect(r.status).toBe(429);
      expect(r.headers.get('content-type')).toMatch(PROBLEM);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('registers through a mailed single-use link: 202 before it, 201 after, no login before it', async () => {
      const user = { username: 'alice', email: 'alice@example.test', password: STRONG };
      const r = await post('/auth/register', user);
      expect(r.status).toBe(202);
      const token = await signupToken(user.email);
      expect(token).toBeDefined();
      expect((await post('/auth/login', user)).status).toBe(401);
      const created = await post('/auth/register/confirm', { token });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ username: 'alice', email: 'alice@example.test' });
      expect(created.body).not.toHaveProperty('passwordHash');
      const again = await post('/auth/register/confirm', { token });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('ERR_DEMO_REGISTRATION_INVALID');
      expect(again.body.detail).toEqual(expect.any(String));
      h.clock.advance(120_000);
      await login('alice', STRONG);
    });

    it('answers a taken e-mail or username exactly like a new one, and mails the owner instead (no account oracle)', async () => {
      const owner = await newUser();
      const fresh = await post('/auth/register', {
        username: 'carol',
        email: 'carol@example.test',
        password: STRONG,
      });
      expect(await signupToken('carol@example.test')).toBeDefined();
      // The owner's address under another name: the owner is told, nothing is created.
      const takenEmail = await post('/auth/register', {
        username: 'mallory',
        email: owner.email,
        password: STRONG,
      });
      const toOwner = await h.nextMail();
      expect(toOwner.to).toEqual([owner.email]);
      expect(toOwner.decoded).toContain('already have one');
      expect(toOwner.decoded).not.toMatch(/register\?token=/);
      // The owner's username with a new address: that address is told to pick another name.
      const takenName = await post('/auth/register', {
        username: owner.username,
        email: 'dave@example.test',
        password: STRONG,
      });
      const toNew = await h.nextMail();
      expect(toNew.to).toEqual(['dave@example.test']);
      expect(toNew.decoded).toContain('is taken');
      for (const r of [takenEmail, takenName]) {
        expect(r.status).toBe(fresh.status);
        expect(r.body).toEqual(fresh.body);
        expect(r.headers.get('content-type')).toBe(fresh.headers.get('content-type'));
      }
      h.clock.advance(120_000);
      expect((await post('/auth/login', { username: 'mallory', password: STRONG })).status).toBe(401);
    });

    it('refuses a weak password at registration with 422 listing every failure by code', async () => {
      const r = await post('/auth/register', {
        username: 'bob',
        email: 'bob@example.test',
        password: 'short',
      });
      expect(r.status).toBe(422);
      expect(r.headers.get('content-type')).toMatch(PROBLEM);
      expect(r.body.code).toBe('ERR_PASSWORD_POLICY');
      const codes = (r.body.failures as { code: string }[]).map((f) => f.code);
      expect(codes).toEqual(expect.arrayContaining(['too_short', 'missing_upper', 'missing_digit']));
    });

    it('answers malformed JSON with 400 problem+json, never a 500', async () => {
      const r = await call('POST', '/auth/login', {
        headers: { 'content-type': 'application/json' },
        body: '{"username":',
      });
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(PROBLEM);
    });

    it('logs the demo user in: 200 with a Bearer pair, access token for one hour, not cached', async () => {
      const r = await post('/auth/login', { username: 'demo', password: 'Correct-Horse-Battery-9' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
      expect(typeof r.body.accessToken).toBe('string');
      expect(typeof r.body.refreshToken).toBe('string');
      expect(r.headers.get('cache-control')).toBe('no-store');
    });

    it('answers a wrong password and an unknown user with the same 401 problem', async () => {
      const wrong = await post('/auth/login', { username: 'demo', password: 'Not-The-Password-1' });
      const unknown = await post('/auth/login', { username: 'nobody', password: 'Not-The-Password-1' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.headers.get('content-type')).toMatch(PROBLEM);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body.detail).toEqual(expect.any(String));
      // RFC 9110 section 15.5.2: every 401 carries a challenge.
      expect(wrong.headers.get('www-authenticate')).toBe('FormBased realm="portcullis-demo"');
      expect(unknown.headers.get('www-authenticate')).toBe(wrong.headers.get('www-authenticate'));
    });

    it('refuses the 6th login in a minute with 429, Retry-After and RateLimit headers', async () => {
      const user = await newUser();
      h.clock.advance(120_000);
      for (let i = 0; i < 5; i++) expect((await post('/auth/login', user)).status).toBe(200);
      const r = await post('/auth/login', user);
      expect(r.status).toBe(429);
      expect(r.headers.get('content-type')).toMatch(PROBLEM);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(r.headers.get('ratelimit-policy')).toBe('"login";q=5;w=60');
      expect(r.headers.get('ratelimit')).toMatch(/^"login";r=0;t=\d+$/);
    });

    it('slows an account down after repeated failures instead of locking it (brute-force guard)', async () => {
      const user = await newUser();
      h.delays.length = 0;
      for (let i = 0; i < 4; i++) {
        h.clock.advance(61_000);
        expect((await post('/auth/login', { ...user, password: 'Wrong-Password-99' })).status).toBe(401);
      }
      expect(h.delays).toEqual([500]);
    });

    it('rotates a refresh token, and a replayed one gets 401 and revokes the whole family', async () => {
      const user = await newUser();
      const first = await login(user.username, user.password);
      const rotated = await post('/auth/refresh', { refreshToken: first.refreshToken });
      expect(rotated.status).toBe(200);
      expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
      // Past the 5 s grace window for retried refreshes.
      h.clock.advance(10_000);
      const replay = await post('/auth/refresh', { refreshToken: first.refreshToken });
      expect(replay.status).toBe(401);
      expect(replay.headers.get('content-type')).toMatch(PROBLEM);
      const successor = await post('/auth/refresh', { refreshToken: rotated.body.refreshToken });
      expect(successor.status).toBe(401);
    });

    it('GET /me answers the subject and claims; no token or a bad one is 401 with WWW-Authenticate', async () => {
      const user = await newUser();
      const { accessToken } = await login(user.username, user.password);
      const me = await call('GET', '/me', bearer(accessToken));
      expect(me.status).toBe(200);
      expect(me.body.subject).toBe((me.body.claims as { sub: string }).sub);
      expect(me.body.claims).toMatchObject({ username: user.username, aud: 'portcullis-demo' });
      const none = await call('GET', '/me');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(none.body.detail).toEqual(expect.any(String));
      expect((await call('GET', '/me', bearer(`${accessToken}x`))).status).toBe(401);
    });

    it('expires an access token after one hour', async () => {
      const user = await newUser();
      const { accessToken } = await login(user.username, user.password);
      h.clock.advance(3600_000 + 60_000);
      const r = await call('GET', '/me', bearer(accessToken));
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('ERR_TOKEN_EXPIRED');
    });

    it('POST /auth/logout answers 204 and that access token is refused afterwards', async () => {
      const user = await newUser();
      const a = await login(user.username, user.password);
      const b = await login(user.username, user.password);
      const r = await call('POST', '/auth/logout', bearer(a.accessToken));
      expect(r.status).toBe(204);
      expect((await call('GET', '/me', bearer(a.accessToken))).body.code).toBe('ERR_TOKEN_REVOKED');
      expect((await call('GET', '/me', bearer(b.accessToken))).status).toBe(200);
    });

    it('POST /auth/logout-all answers 204 and every token of that user is refused afterwards', async () => {
      const user = await newUser();
      const a = await login(user.username, user.password);
      const b = await login(user.username, user.password);
      h.clock.advance(1000);
      expect((await call('POST', '/auth/logout-all', bearer(a.accessToken))).status).toBe(204);
      expect((await call('GET', '/me', bearer(a.accessToken))).status).toBe(401);
      expect((await call('GET', '/me', bearer(b.accessToken))).status).toBe(401);
      expect((await post('/auth/refresh', { refreshToken: b.refreshToken })).status).toBe(401);
    });

    it('resets a password through the mailed link: 202 alike for unknown addresses, single-use, sessions revoked', async () => {
      const user = await newUser();
      const old = await login(user.username, user.password);
      const unknown = await post('/auth/password-reset', { email: 'nobody@example.test' });
      const known = await post('/auth/password-reset', { email: user.email });
      expect(unknown.status).toBe(202);
      expect(known.status).toBe(202);
      expect(known.body).toEqual(unknown.body);
      const mail = await h.nextMail();
      expect(mail.to).toEqual([user.email]);
      const link = /http:\/\/demo\.test\/reset\?token=([A-Za-z0-9._~-]+)/.exec(mail.decoded);
      expect(link).not.toBeNull();
      const token = link?.[1] ?? '';
      h.clock.advance(1000);
      const weak = await post('/auth/password-reset/confirm', { token, password: 'weak' });
      expect(weak.status).toBe(422);
      const newPassword = 'Another-Strong-Secret-77';
      expect((await post('/auth/password-reset/confirm', { token, password: newPassword })).status).toBe(204);
      const again = await post('/auth/password-reset/confirm', { token, password: newPassword });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('ERR_PASSWORD_RESET_INVALID');
      expect((await call('GET', '/me', bearer(old.accessToken))).status).toBe(401);
      h.clock.advance(1000);
      expect((await post('/auth/login', { username: user.username, password: user.password })).status).toBe(
        401,
      );
      await login(user.username, newPassword);
    });

    it('stores a PNG and a PDF judged by their bytes, and serves them back to their owner only', async () => {
      const user = await newUser();
      const { accessToken } = await login(user.username, user.password);
      const image = png();
      const r = await upload(accessToken, image, 'cat.png', 'image/png');
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ type: 'image/png', size: image.length });
      const id = r.body.id as string;
      const back = await call('GET', `/files/${id}`, bearer(accessToken));
      expect(back.status).toBe(200);
      expect(back.headers.get('content-type')).toBe('image/png');
      expect(back.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(back.raw).equals(image)).toBe(true);
      const doc = await upload(accessToken, pdf(), 'report.pdf', 'application/pdf');
      expect(doc.status).toBe(201);
      expect(doc.body.type).toBe('application/pdf');
      const other = await newUser();
      const stranger = await login(other.username, other.password);
      expect((await call('GET', `/files/${id}`, bearer(stranger.accessToken))).status).toBe(404);
      expect((await call('GET', '/files/not-an-id', bearer(accessToken))).status).toBe(404);
      expect((await call('GET', `/files/${id}`)).status).toBe(401);
    });

    it('refuses an ELF renamed .png and an SVG with a script with 415, whatever they claim', async () => {
      const user = await newUser();
      const { accessToken } = await login(user.username, user.password);
      const exe = await upload(accessToken, elf(), 'holiday.png', 'image/png');
      expect(exe.status).toBe(415);
      expect(exe.headers.get('content-type')).toMatch(PROBLEM);
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
      const vector = await upload(accessToken, svg, 'logo.png', 'image/png');
      expect(vector.status).toBe(415);
    });

    it('refuses a file over the size limit with 413, and an upload without a token with 401', async () => {
      const user = await newUser();
      const { accessToken } = await login(user.username, user.password);
      const big = Buffer.concat([png(), Buffer.alloc(MAX_UPLOAD_BYTES + 1024)]);
      const r = await upload(accessToken, big, 'big.png', 'image/png');
      expect(r.status).toBe(413);
      expect(r.headers.get('content-type')).toMatch(PROBLEM);
      expect((await upload(undefined, png(), 'a.png', 'image/png')).status).toBe(401);
    });

    it('takes one file per request: two PNGs are refused with 413 and neither is stored', async () => {
      const user = await newUser();
      const { accessToken } = await login(user.username, user.password);
      const dir = join(h.sec.config.dataDir, 'files');
      const before = (await readdir(dir)).length;
      const form = new FormData();
      for (const name of ['a.png', 'b.png']) form.append('file', new Blob([new Uint8Array(png())]), name);
      const r = await call('POST', '/files', { body: form, ...bearer(accessToken) });
      expect(r.status).toBe(413);
      expect(r.headers.get('content-type')).toMatch(PROBLEM);
      expect(await readdir(dir)).toHaveLength(before);
    });

    it('writes every file read and write to the audit log, with the user, and the chain verifies', async () => {
      const user = await newUser();
      const { accessToken } = await login(user.username, user.password);
      const r = await upload(accessToken, png(), 'a.png', 'image/png');
      const id = r.body.id as string;
      expect((await call('GET', `/files/${id}`, bearer(accessToken))).status).toBe(200);
      const me = await call('GET', '/me', bearer(accessToken));
      const sub = (me.body as { subject: string }).subject;
      // File routes are audited when the response has really ended (its 'close', after the last
      // byte), which can come a moment after the client read the body: wait for it, bounded.
      const readLines = async () => {
        await h.sec.audit.flush();
        const found = h.sec.auditSink?.files() ?? [];
        const text = (await Promise.all(found.map((f) => readFile(f, 'utf8')))).join('');
        return {
          found,
          lines: text
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        };
      };
      let { found: files, lines } = await readLines();
      for (let i = 0; i < 50 && !lines.some((l) => l.resource === id && l.action === 'read'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        ({ found: files, lines } = await readLines());
      }
      expect(files.length).toBeGreaterThan(0);
      const mine = lines.filter((l) => l.user === sub);
      expect(mine).toContainEqual(
        expect.objectContaining({
          event: 'sensitive_read',
          action: 'read',
          resource: id,
          outcome: 'success',
        }),
      );
      expect(mine).toContainEqual(
        expect.objectContaining({ event: 'sensitive_create', action: 'write', outcome: 'success' }),
      );
      // The MIME guard's own event names the stored file and its owner.
      expect(mine).toContainEqual(expect.objectContaining({ event: 'upload_stored', resource: `${id}.png` }));
      const report = await verifyFiles(files, { keys: { [h.sec.auditKey.kid]: h.sec.auditKey.secret } });
      expect(report.issue).toBeUndefined();
      expect(report.ok).toBe(true);
    });

    it('guards /metrics with the METRICS_TOKEN bearer and serves Prometheus text to it', async () => {
      expect((await call('GET', '/metrics')).status).toBe(401);
      const none = await call('GET', '/metrics');
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      const wrong = await call('GET', '/metrics', bearer('wrong-token-wrong-token'));
      expect(wrong.status).toBe(401);
      // RFC 6750 section 3.1: a wrong token is an invalid_token, a missing one gets the bare challenge.
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="metrics", error="invalid_token"');
      const r = await call('GET', '/metrics', bearer(METRICS_TOKEN));
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = Buffer.from(r.raw).toString('utf8');
      expect(text).toContain('http_server_request_duration_seconds_bucket');
    });

    it('answers unknown routes with 404 problem+json under the 120/min default limit', async () => {
      const r = await call('GET', '/no/such/route');
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(PROBLEM);
      expect(r.headers.get('ratelimit-policy')).toBe('"default";q=120;w=60');
    });
  });

  describe(`demo /metrics over ${framework} without METRICS_TOKEN`, () => {
    let h: DemoHarness;
    beforeAll(async () => {
      // A proxy on loopback is trusted here, so a forwarded public client can be simulated.
      h = await startHarness(framework, { METRICS_TOKEN: '', TRUST_PROXY: 'loopback' });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('serves loopback scrapers and refuses any other client with 403 problem+json', async () => {
      const local = await fetch(`${h.url}/metrics`);
      expect(local.status).toBe(200);
      await local.arrayBuffer();
      const remote = await fetch(`${h.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(remote.status).toBe(403);
      expect(remote.headers.get('content-type')).toMatch(PROBLEM);
      expect(((await remote.json()) as { code: string }).code).toBe('ERR_METRICS_FORBIDDEN');
    });
  });
}
