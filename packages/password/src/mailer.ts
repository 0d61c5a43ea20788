import { ConfigError, checkOptions, type KnownOptions } from '@portcullis/core';
import { createTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { PasswordLocale } from './messages.js';

/** One outgoing mail. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The mailer contract: SMTP (nodemailer) and console implementations ship; any service fits. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Options of {@link createSmtpMailer}. */
export interface SmtpMailerOptions {
  /** nodemailer SMTP transport options or connection URL (`smtps://user:pass@host`). */
  transport: SMTPTransport.Options | string;
  /** The `From` address. */
  from: string;
}

/**
 * A mailer over SMTP through nodemailer.
 *
 * @example
 * ```ts
 * const mailer = createSmtpMailer({ transport: process.env.SMTP_URL!, from: 'no-reply@example.com' });
 * ```
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer & { close(): void } {
  checkOptions('createSmtpMailer', options, {
    transport: true,
    from: true,
  } satisfies KnownOptions<SmtpMailerOptions>);
  if (!options.from) throw new ConfigError('smtp mailer: from is required');
  const transport = createTransport(options.transport);
  return {
    async send(message) {
      await transport.sendMail({ from: options.from, ...message });
    },
    close: () => transport.close(),
  };
}

/** Options of {@link createConsoleMailer}. */
export interface ConsoleMailerOptions {
  /** Where the mail is printed. Default `console.log`. */
  write?: ((text: string) => void) | undefined;
}

/**
 * A development mailer that prints each mail (the reset link included: never in production).
 *
 * @example
 * ```ts
 * const mailer = createConsoleMailer();
 * ```
 */
export function createConsoleMailer(options: ConsoleMailerOptions = {}): Mailer {
  checkOptions('createConsoleMailer', options, { write: true } satisfies KnownOptions<ConsoleMailerOptions>);
  const write = options.write ?? ((t: string) => console.log(t));
  return {
    async send(m) {
      write(`--- mail to ${m.to}\nSubject: ${m.subject}\n\n${m.text}\n---`);
    },
  };
}

/** Values a reset template receives. */
export interface ResetMailVars {
  readonly link: string;
  readonly expiresInMinutes: number;
  readonly appName: string;
}

/** Renders the reset mail in one locale. */
export type ResetMailTemplate = (vars: ResetMailVars) => { subject: string; text: string; html: string };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The shipped templates, text + HTML, English and French. Override any of them per locale. */
export const DEFAULT_RESET_TEMPLATES: Readonly<Record<PasswordLocale, ResetMailTemplate>> = Object.freeze({
  en: ({ link, expiresInMinutes, appName }) => ({
    subject: `${appName}: reset your password`,
    text: `Someone asked to reset the password of your ${appName} account.\n\nTo choose a new password, open this link within ${expiresInMinutes} minutes:\n${link}\n\nIf it was not you, ignore this mail: your password stays unchanged.\n`,
    html: `<p>Someone asked to reset the password of your ${escapeHtml(appName)} account.</p><p>To choose a new password, open this link within ${expiresInMinutes} minutes:<br><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>If it was not you, ignore this mail: your password stays unchanged.</p>`,
  }),
  fr: ({ link, expiresInMinutes, appName }) => ({
    subject: `${appName} : réinitialisation de votre mot de passe`,
    text: `Une demande de réinitialisation du mot de passe de votre compte ${appName} a été faite.\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans les ${expiresInMinutes} minutes :\n${link}\n\nSi vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.\n`,
    html: `<p>Une demande de réinitialisation du mot de passe de votre compte ${escapeHtml(appName)} a été faite.</p><p>Pour choisir un nouveau mot de passe, ouvrez ce lien dans les ${expiresInMinutes} minutes :<br><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.</p>`,
  }),
});
