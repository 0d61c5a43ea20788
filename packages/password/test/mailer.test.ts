import { describe, expect, it } from 'vitest';
import { createConsoleMailer, createSmtpMailer, DEFAULT_RESET_TEMPLATES } from '../src/index.js';

describe('createConsoleMailer', () => {
  it('prints the recipient, the subject and the text', async () => {
    const out: string[] = [];
    await createConsoleMailer({ write: (t) => out.push(t) }).send({
      to: 'a@example.com',
      subject: 'S',
      text: 'T',
      html: 'H',
    });
    expect(out[0]).toContain('a@example.com');
    expect(out[0]).toContain('Subject: S');
    expect(out[0]).toContain('T');
  });
});

describe('createSmtpMailer', () => {
  it('refuses to start without a From address', () => {
    expect(() => createSmtpMailer({ transport: 'smtp://127.0.0.1:1', from: '' })).toThrow(/from/);
  });
});

describe('DEFAULT_RESET_TEMPLATES', () => {
  it('escapes the app name and link in HTML, in both locales', () => {
    for (const t of Object.values(DEFAULT_RESET_TEMPLATES)) {
      const m = t({ link: 'https://x/reset?token=a"b', expiresInMinutes: 30, appName: '<b>Evil</b>' });
      expect(m.html).not.toContain('<b>Evil</b>');
      expect(m.html).toContain('&#60;b&#62;Evil');
      expect(m.html).not.toContain('a"b');
      expect(m.text).toContain('30');
    }
  });
});
