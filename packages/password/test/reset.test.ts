import { createManualClock } from '@portcullis/core';
import { describe, expect, it, vi } from 'vitest';
import { assertResetCompleted, createPasswordReset, parseResetToken, verifyPassword } from '../src/index.js';
import {
  client,
  countingLimiter,
  createHarness,
  NEW_PASSWORD,
  tokenFromMail,
  validator,
} from './fixtures.js';

describe('createPasswordReset: request', () => {
  it('mails a link built from the public base URL to the stored address', async () => {
    const h = createHarness();
    const res = await h.reset.request({
      email: 'ALICE@example.com',
      client: {
        remoteAddress: '203.0.113.7',
        headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
      },
    });
    expect(res.status).toBe(202);
    await h.reset.idle();
    expect(h.mails).toHaveLength(1);
    expect(h.mails[0]?.to).toBe('alice@example.com');
    expect(h.mails[0]?.text).toContain('https://app.example.com/reset?token=');
    expect(h.mails[0]?.html).toContain('https://app.example.com/reset?token=');
    expect(JSON.stringify(h.mails)).not.toContain('evil.example');
    expect(h.events.map((e) => e.name)).toContain('authn_password_reset_requested');
  });

  it('mints a selector.verifier token with at least 128 bits of verifier', async () => {
    const h = createHarness();
    await h.reset.request({ email: 'alice@example.com', client });
    await h.reset.idle();
    const parsed = parseResetToken(tokenFromMail(h.mails[0]));
    expect(parsed).toBeDefined();
    expect(Buffer.from(parsed?.verifier ?? '', 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('answers an unknown address exactly like a known one, and mails nobody', async () => {
    const h = createHarness();
    const known = await h.reset.request({ email: 'alice@example.com', client });
    const unknown = await h.reset.request({ email: 'mallory@example.com', client });
    expect(unknown).toEqual(known);
    await h.reset.idle();
    expect(h.mails.map((m) => m.to)).toEqual(['alice@example.com']);
  });

  it('does not look the account up before answering (the lookup runs off the request path)', async () => {
    let lookups = 0;
    const h = createHarness({
      findUserByEmail: async () => {
        lookups++;
        return undefined;
      },
    });
    await h.reset.request({ email: 'alice@example.com', client });
    expect(lookups).toBe(0);
    await h.reset.idle();
    expect(lookups).toBe(1);
  });

  it('answers in French when asked', async () => {
    const h = createHarness();
    const res = await h.reset.request({ email: 'alice@example.com', client, locale: 'fr' });
    expect(res.body.message).toMatch(/^Si un compte existe/);
    await h.reset.idle();
    expect(h.mails[0]?.subject).toContain('réinitialisation');
  });

  it('uses overridden templates', async () => {
    const h = createHarness({
      templates: { en: ({ link }) => ({ subject: 'S', text: `go ${link}`, html: 'h' }) },
    });
    await h.reset.request({ email: 'alice@example.com', client });
    await h.reset.idle();
    expect(h.mails[0]).toMatchObject({ subject: 'S', html: 'h' });
  });

  it('refuses the 4th request from one IP when the per-IP limit is 3 (429, Retry-After)', async () => {
    const h = createHarness({ perIpLimiter: countingLimiter(3) });
    for (let i = 0; i < 3; i++) await h.reset.request({ email: `x${i}@example.com`, client });
    await expect(h.reset.request({ email: 'x9@example.com', client })).rejects.toMatchObject({
      code: 'ERR_PASSWORD_RESET_THROTTLED',
      status: 429,
      headers: { 'Retry-After': '42' },
    });
  });

  it('limits per account by the typed address, the same whether or not it exists, with the same 202', async () => {
    const limiter = countingLimiter(1);
    const h = createHarness({ perAccountLimiter: limiter });
    const first = await h.reset.request({ email: 'alice@example.com', client });
    const again = await h.reset.request({ email: 'ALICE@example.com', client });
    expect(again).toEqual(first);
    await h.reset.request({ email: 'nobody@example.com', client });
    expect(await h.reset.request({ email: 'NOBODY@example.com', client })).toEqual(first);
    await h.reset.idle();
    expect(h.mails).toHaveLength(1);
    expect([...limiter.hits.keys()]).toEqual(['account:alice@example.com', 'account:nobody@example.com']);
    expect(h.events.filter((e) => e.resource === 'password_reset_account')).toHaveLength(2);
  });

  it('throttles by default: 30 requests for one user send 3 mails, every answer the same 202', async () => {
    const clock = createManualClock();
    const h = createHarness({ clock, perIpLimiter: false });
    const answers = new Set<string>();
    for (let i = 0; i < 30; i++)
      answers.add(
        JSON.stringify(
          await h.reset.request({
            email: 'alice@example.com',
            client: { ...client, remoteAddress: `198.51.100.${i}` },
          }),
        ),
      );
    expect([...answers]).toHaveLength(1);
    await h.reset.idle();
    expect(h.mails).toHaveLength(3);
    clock.advance(60 * 60_000);
    await h.reset.request({ email: 'alice@example.com', client });
    await h.reset.idle();
    expect(h.mails).toHaveLength(4);
  });

  it('throttles one client address by default: the 11th request in 15 minutes is 429', async () => {
    const h = createHarness({ perAccountLimiter: false });
    for (let i = 0; i < 10; i++) await h.reset.request({ email: `x${i}@example.com`, client });
    await expect(h.reset.request({ email: 'x10@example.com', client })).rejects.toMatchObject({
      code: 'ERR_PASSWORD_RESET_THROTTLED',
      status: 429,
    });
  });

  it('refuses a missing or oversized address with ERR_INPUT_INVALID', async () => {
    const h = createHarness();
    for (const email of [undefined, 42, '', 'no-at-sign', `${'a'.repeat(300)}@x.y`]) {
      await expect(h.reset.request({ email, client })).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    }
  });

  it('reports a failing mailer off the request path without failing the request', async () => {
    const errors: unknown[] = [];
    const h = createHarness({
      mailer: { send: () => Promise.reject(new Error('smtp down')) },
      onBackgroundError: (e) => errors.push(e),
    });
    expect((await h.reset.request({ email: 'alice@example.com', client })).status).toBe(202);
    await h.reset.idle();
    expect(errors).toHaveLength(1);
    expect(h.events.find((e) => e.name === 'authn_password_reset_fail')?.reason).toBe('job_failed');
  });

  it('reports a failing mailer through console.warn by default where process.emitWarning is missing (workerd)', async () => {
    const saved = process.emitWarning;
    (process as { emitWarning?: unknown }).emitWarning = undefined;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const h = createHarness({ mailer: { send: () => Promise.reject(new Error('smtp down')) } });
      expect((await h.reset.request({ email: 'alice@example.com', client })).status).toBe(202);
      await h.reset.idle();
      expect(warn).toHaveBeenCalledWith('PortcullisWarning: password reset job failed: smtp down');
    } finally {
      process.emitWarning = saved;
      warn.mockRestore();
    }
  });

  it('refuses a publicResetUrl that is not an absolute http(s) URL at start-up', () => {
    const h = createHarness();
    expect(() => createPasswordReset({ ...baseOptions(h), publicResetUrl: '/reset' })).toThrow(
      /absolute URL/,
    );
    expect(() => createPasswordReset({ ...baseOptions(h), publicResetUrl: 'javascript:alert(1)' })).toThrow(
      /http/,
    );
  });
});

function baseOptions(h: ReturnType<typeof createHarness>) {
  return {
    publicResetUrl: 'https://x',
    findUserByEmail: h.db.findUserByEmail,
    findUserById: h.db.findUserById,
    setPassword: h.db.setPassword,
    validator,
    mailer: { send: async () => {} },
  };
}

async function requestToken(h: ReturnType<typeof createHarness>): Promise<string> {
  await h.reset.request({ email: 'alice@example.com', client });
  await h.reset.idle();
  return tokenFromMail(h.mails.at(-1));
}

describe('createPasswordReset: confirm', () => {
  it('sets the new hash, revokes every token of the user, publishes events, and logs nobody in', async () => {
    const h = createHarness();
    const token = await requestToken(h);
    const result = await h.reset.confirm({ token, password: NEW_PASSWORD, client });
    expect(result).toEqual({ status: 'completed', userId: 'u-alice' });
    expect(await verifyPassword(NEW_PASSWORD, h.db.hashes.get('u-alice') ?? '')).toBe(true);
    expect(h.revoked).toEqual(['u-alice']);
    const names = h.events.map((e) => e.name);
    expect(names).toContain('authn_password_reset_completed');
    expect(names).toContain('authn_password_change');
    expect(names).not.toContain('authn_login_success');
  });

  it('refuses the second confirm with the same token', async () => {
    const h = createHarness();
    const token = await requestToken(h);
    await h.reset.confirm({ token, password: NEW_PASSWORD });
    await expect(h.reset.confirm({ token, password: NEW_PASSWORD })).rejects.toMatchObject({
      code: 'ERR_PASSWORD_RESET_INVALID',
      status: 400,
    });
  });

  it('lets exactly one of two concurrent confirms win', async () => {
    const h = createHarness();
    const token = await requestToken(h);
    const settled = await Promise.allSettled([
      h.reset.confirm({ token, password: NEW_PASSWORD }),
      h.reset.confirm({ token, password: NEW_PASSWORD }),
    ]);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    expect(h.revoked).toEqual(['u-alice']);
  });

  it('voids the older link when a new one is requested', async () => {
    const h = createHarness();
    const first = await requestToken(h);
    const second = await requestToken(h);
    await expect(h.reset.confirm({ token: first, password: NEW_PASSWORD })).rejects.toMatchObject({
      code: 'ERR_PASSWORD_RESET_INVALID',
    });
    expect((await h.reset.confirm({ token: second, password: NEW_PASSWORD })).status).toBe('completed');
  });

  it('refuses a token after 30 minutes by default, accepts it just before', async () => {
    const clock = createManualClock();
    const h = createHarness({ clock });
    const late = await requestToken(h);
    clock.advance(30 * 60_000);
    await expect(h.reset.confirm({ token: late, password: NEW_PASSWORD })).rejects.toMatchObject({
      code: 'ERR_PASSWORD_RESET_INVALID',
    });
    const onTime = await requestToken(h);
    clock.advance(30 * 60_000 - 1);
    expect((await h.reset.confirm({ token: onTime, password: NEW_PASSWORD })).status).toBe('completed');
  });

  it('refuses a token whose verifier was altered, without consuming the real one', async () => {
    const h = createHarness();
    const token = await requestToken(h);
    const [sel, ver] = token.split('.') as [string, string];
    const forged = `${sel}.${ver.slice(0, -1)}${ver.endsWith('A') ? 'B' : 'A'}`;
    await expect(h.reset.confirm({ token: forged, password: NEW_PASSWORD })).rejects.toMatchObject({
      code: 'ERR_PASSWORD_RESET_INVALID',
    });
    expect((await h.reset.confirm({ token, password: NEW_PASSWORD })).status).toBe('completed');
  });

  it('returns rejected with every failure for a weak password, and keeps the token usable', async () => {
    const h = createHarness();
    const token = await requestToken(h);
    const weak = await h.reset.confirm({ token, password: 'alice', locale: 'fr' });
    expect(weak.status).toBe('rejected');
    if (weak.status !== 'rejected') return;
    expect(weak.validation.failures.map((f) => f.code)).toEqual([
      'too_short',
      'missing_upper',
      'missing_digit',
      'common_password',
      'contains_context',
      'too_weak',
    ]);
    expect(() => assertResetCompleted(weak)).toThrow(
      expect.objectContaining({ status: 422, code: 'ERR_PASSWORD_POLICY' }),
    );
    expect((await h.reset.confirm({ token, password: NEW_PASSWORD })).status).toBe('completed');
  });

  it('refuses malformed tokens of every shape with the same error (property)', async () => {
    const fc = await import('fast-check');
    const h = createHarness();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), async (token) => {
        await expect(h.reset.confirm({ token, password: NEW_PASSWORD })).rejects.toMatchObject({
          code: 'ERR_PASSWORD_RESET_INVALID',
        });
      }),
      { numRuns: 50 },
    );
  });
});
