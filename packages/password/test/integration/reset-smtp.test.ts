import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer, type Mailer } from '../../src/index.js';
import { client, createHarness, type Harness, NEW_PASSWORD } from '../fixtures.js';
import { startSmtp } from '../smtp.js';

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let mailer: Mailer & { close(): void };
let h: Harness;

beforeAll(async () => {
  smtp = await startSmtp();
  mailer = createSmtpMailer({
    transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true },
    from: 'Portcullis <no-reply@example.com>',
  });
  // The default throttles would silence most of the repeated requests below (reset.test.ts pins them).
  h = createHarness({ mailer, perIpLimiter: false, perAccountLimiter: false });
});
afterAll(async () => {
  mailer.close();
  await smtp.close();
});

function linkIn(text: string): URL {
  const m = /https:\/\/app\.example\.com\/reset\?token=[A-Za-z0-9_.-]+/.exec(text);
  if (!m) throw new Error('no link in the mail');
  return new URL(m[0]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

describe('password reset end to end through a real SMTP server', () => {
  it('mails a working link, confirms once, refuses the second confirm and the old link', async () => {
    const first = smtp.nextMail();
    await h.reset.request({ email: 'alice@example.com', client });
    const oldLink = linkIn((await first).decoded);

    const second = smtp.nextMail();
    await h.reset.request({ email: 'alice@example.com', client, locale: 'fr' });
    const mail = await second;
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.decoded).toContain('réinitialisation');
    const token = linkIn(mail.decoded).searchParams.get('token') ?? '';

    await expect(
      h.reset.confirm({ token: oldLink.searchParams.get('token'), password: NEW_PASSWORD }),
    ).rejects.toMatchObject({ code: 'ERR_PASSWORD_RESET_INVALID' });
    expect(await h.reset.confirm({ token, password: NEW_PASSWORD })).toEqual({
      status: 'completed',
      userId: 'u-alice',
    });
    await expect(h.reset.confirm({ token, password: NEW_PASSWORD })).rejects.toMatchObject({
      code: 'ERR_PASSWORD_RESET_INVALID',
    });
    expect(h.revoked).toContain('u-alice');
  });

  it('answers an unknown account with the same status and body, in similar time, and sends no mail', async () => {
    await h.reset.idle();
    const before = smtp.inbox.length;
    const known: number[] = [];
    const unknown: number[] = [];
    let knownBody = '';
    let unknownBody = '';
    // Interleaved, so load on the machine hits both sides alike.
    for (let i = 0; i < 15; i++) {
      let t = process.hrtime.bigint();
      const a = await h.reset.request({ email: 'alice@example.com', client });
      known.push(Number(process.hrtime.bigint() - t));
      t = process.hrtime.bigint();
      const b = await h.reset.request({ email: `nobody${i}@example.com`, client });
      unknown.push(Number(process.hrtime.bigint() - t));
      knownBody = JSON.stringify(a);
      unknownBody = JSON.stringify(b);
      await h.reset.idle();
    }
    expect(unknownBody).toBe(knownBody);
    // Both medians are microseconds (the lookup, the store and SMTP run after the answer);
    // the tolerance absorbs scheduler noise on a shared machine.
    const diff = Math.abs(median(known) - median(unknown));
    expect(diff).toBeLessThan(Math.max(2_000_000, median(known)));
    expect(smtp.inbox.length - before).toBe(15);
    expect(smtp.inbox.slice(before).every((m) => m.to.join() === 'alice@example.com')).toBe(true);
  });
});
