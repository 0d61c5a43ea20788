import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PasswordReset, PasswordValidator } from '../src/index.js';
import {
  countingLimiter,
  createHarness,
  type Harness,
  NEW_PASSWORD,
  tokenFromMail,
  validator,
} from './fixtures.js';

/**
 * What every adapter app mounts, from the context below:
 * - `POST /signup`: the password-policy middleware on `password` (context from `email`), then a
 *   handler answering 201 `{ score }` from the stashed result;
 * - `POST /password/reset`: the reset-request handler;
 * - `POST /password/reset/confirm`: the reset-confirm handler.
 * All bodies are JSON.
 */
export interface PasswordAppContext {
  validator: PasswordValidator;
  reset: PasswordReset;
}

export interface RunningApp {
  baseUrl: string;
  close(): Promise<void>;
}

/** The one scenario table the Express, Fastify and Hono adapters all run, on loopback. */
export function runPasswordScenarios(
  name: string,
  start: (ctx: PasswordAppContext) => Promise<RunningApp>,
): void {
  describe(`password adapter scenarios (${name})`, () => {
    let app: RunningApp;
    let h: Harness;
    const limiter = countingLimiter(1000);
    const accountLimiter = countingLimiter(1000);
    beforeAll(async () => {
      h = createHarness({ perIpLimiter: limiter, perAccountLimiter: accountLimiter });
      app = await start({ validator, reset: h.reset });
    });
    afterAll(() => app.close());
    beforeEach(() => {
      limiter.hits.clear();
      accountLimiter.hits.clear();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(app.baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    it('answers 422 problem+json listing every failure of a weak password', async () => {
      const res = await post('/signup', { email: 'new@example.com', password: 'abcdefgh' });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as {
        code: string;
        detail: string;
        failures: { code: string; message: string }[];
      };
      expect(body.code).toBe('ERR_PASSWORD_POLICY');
      expect(body.detail).toBe(body.failures.map((f) => f.message).join(' '));
      expect(body.failures.map((f) => f.code)).toEqual([
        'too_short',
        'missing_upper',
        'missing_digit',
        'too_weak',
      ]);
      expect(body.failures[0]?.message).toBe('Use at least 12 characters (this one has 8).');
    });

    it('answers in French for Accept-Language: fr', async () => {
      const res = await post('/signup', { password: 'abcdefgh' }, { 'accept-language': 'fr-FR,fr;q=0.9' });
      const body = (await res.json()) as { failures: { message: string }[] };
      expect(body.failures[0]?.message).toBe('Utilisez au moins 12 caractères (celui-ci en a 8).');
    });

    it('refuses a password containing the e-mail local part', async () => {
      const res = await post('/signup', {
        email: 'quiche.lorraine@example.com',
        password: 'Quiche.Lorraine-2026!',
      });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { failures: { code: string }[] };
      expect(body.failures.map((f) => f.code)).toContain('contains_context');
    });

    it('lets a strong password through to the handler, with the result stashed', async () => {
      const res = await post('/signup', { email: 'new@example.com', password: NEW_PASSWORD });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { score: number }).score).toBeGreaterThanOrEqual(3);
    });

    it('answers a reset request for a known and an unknown address identically (202)', async () => {
      const a = await post('/password/reset', { email: 'alice@example.com' });
      const b = await post('/password/reset', { email: 'nobody@example.com' });
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(await b.text()).toBe(await a.text());
      await h.reset.idle();
    });

    it('builds the link from the public URL even with a forged Host / X-Forwarded-Host', async () => {
      const before = h.mails.length;
      await post('/password/reset', { email: 'alice@example.com' }, { 'x-forwarded-host': 'evil.example' });
      await h.reset.idle();
      const mail = h.mails[before];
      expect(mail?.text).toContain('https://app.example.com/reset?token=');
      expect(mail?.text).not.toContain('evil.example');
    });

    it('resets once with the mailed link and refuses the second confirm (400 problem)', async () => {
      await post('/password/reset', { email: 'alice@example.com' });
      await h.reset.idle();
      const token = tokenFromMail(h.mails.at(-1));
      const ok = await post('/password/reset/confirm', { token, password: NEW_PASSWORD });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: 'completed' });
      const again = await post('/password/reset/confirm', { token, password: NEW_PASSWORD });
      expect(again.status).toBe(400);
      expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await again.json()) as { code: string }).code).toBe('ERR_PASSWORD_RESET_INVALID');
    });

    it('answers 422 with the failures when the new password is weak, and the link still works', async () => {
      await post('/password/reset', { email: 'alice@example.com' });
      await h.reset.idle();
      const token = tokenFromMail(h.mails.at(-1));
      const weak = await post('/password/reset/confirm', { token, password: 'short' });
      expect(weak.status).toBe(422);
      expect(((await weak.json()) as { failures: unknown[] }).failures.length).toBeGreaterThan(1);
      expect((await post('/password/reset/confirm', { token, password: NEW_PASSWORD })).status).toBe(200);
    });

    it('answers 400 ERR_INPUT_INVALID for a request without an address', async () => {
      const res = await post('/password/reset', {});
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('ERR_INPUT_INVALID');
    });

    it('answers 429 with Retry-After once the per-IP limiter refuses', async () => {
      limiter.hits.set('ip:127.0.0.1', 1000);
      const res = await post('/password/reset', { email: 'alice@example.com' });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('42');
      expect(((await res.json()) as { code: string }).code).toBe('ERR_PASSWORD_RESET_THROTTLED');
    });
  });
}
