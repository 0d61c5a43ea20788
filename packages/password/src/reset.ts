import {
  type ClientAddressInput,
  type ClientAddressResolver,
  type Clock,
  ConfigError,
  checkOptions,
  createClientAddressResolver,
  createStoreHealth,
  type EventBus,
  emitPortcullisWarning,
  InputError,
  type KnownOptions,
  type ResetTokenStore,
  requireOption,
  type SecurityContext,
  systemClock,
} from '@portcullis/core';
import { PasswordPolicyError, ResetThrottledError, ResetTokenError } from './errors.js';
import { DEFAULT_SCRYPT_PARAMS, hashPassword, type ScryptParams } from './hash.js';
import { withPasswordKit } from './kit.js';
import { DEFAULT_RESET_TEMPLATES, type Mailer, type MailMessage, type ResetMailTemplate } from './mailer.js';
import { createMemoryResetTokenStore } from './memory-reset-token-store.js';
import { type PasswordLocale, pickLocale } from './messages.js';
import {
  createMemoryResetLimiter,
  DEFAULT_RESET_PER_ACCOUNT,
  DEFAULT_RESET_PER_IP,
} from './reset-throttle.js';
import { mintResetToken, parseResetToken, verifierMatches } from './reset-token.js';
import type { PasswordCheckResult, PasswordValidator } from './validator.js';

/** An account as the app's lookup returns it. `email` is the stored address: the only one mailed. */
export interface ResetUser {
  readonly id: string;
  readonly email: string;
  readonly username?: string | undefined;
  /** The account has a second factor (NIST preset: shorter minimum). */
  readonly mfa?: boolean | undefined;
}

/**
 * A rate limiter as the reset flow needs it. `@portcullis/rate-limit`'s limiter fits
 * structurally; so does any object with this method.
 */
export interface ResetRateLimiter {
  consume(key: string): Promise<{ allowed: boolean; retryAfterMs?: number | undefined }>;
}

/** Revokes every token of a user (log out everywhere). `@portcullis/tokens`' revoker fits structurally. */
export interface UserTokenRevoker {
  revokeAll(userId: string): Promise<void>;
}

/** Options of {@link createPasswordReset}. */
export interface PasswordResetOptions {
  /**
   * Public base URL of the page that confirms a reset, e.g. `https://app.example.com/reset`.
   * The link is built from it only, never from `Host` or `X-Forwarded-Host` (host-header
   * poisoning: OWASP Forgot Password Cheat Sheet). The token goes in the fragment-free query `token`.
   */
  publicResetUrl: string;
  /** Finds an account by the address typed in the form (compare case-insensitively on your side). */
  findUserByEmail(email: string): Promise<ResetUser | undefined>;
  /** Finds an account by id, for the context words of the new-password check. */
  findUserById(id: string): Promise<ResetUser | undefined>;
  /** Stores the new password hash (PHC scrypt string). */
  setPassword(userId: string, passwordHash: string): Promise<void>;
  validator: PasswordValidator;
  mailer: Mailer;
  /** Default: the bounded memory store (one process). Pass the Redis store for several workers. */
  store?: ResetTokenStore | undefined;
  /** Token lifetime in ms. Default 30 minutes (OWASP Forgot Password Cheat Sheet: short-lived). */
  tokenTtlMs?: number | undefined;
  /**
   * Limiter keyed by client address (`ip:<addr>`); a refusal is 429 `ERR_PASSWORD_RESET_THROTTLED`
   * (it is about the requester). Default: 10 per 15 min in memory (one process); `false`: none.
   */
  perIpLimiter?: ResetRateLimiter | false | undefined;
  /**
   * Limiter keyed by the lower-cased address typed (`account:<email>`), the same whether or not
   * it exists. A refusal answers the same 202 and mails nobody (it is about the target: the
   * requester learns nothing, and the owner's mailbox is not flooded). Default: 3 per hour in
   * memory (one process); `false`: none.
   */
  perAccountLimiter?: ResetRateLimiter | false | undefined;
  /** Log-out-everywhere on completion. Strongly recommended; absent, existing sessions survive the reset. */
  revoker?: UserTokenRevoker | undefined;
  events?: EventBus | undefined;
  /** The app's security context: its client resolver, bus and clock unless given explicitly. */
  context?: Pick<SecurityContext, 'clientAddress' | 'events' | 'clock'> | undefined;
  clock?: Clock | undefined;
  /** Resolves the client address (trust-proxy settings live here, not in adapters). Default: socket peer. */
  clientAddress?: ClientAddressResolver | undefined;
  appName?: string | undefined;
  /** Per-locale template overrides. */
  templates?: Partial<Record<PasswordLocale, ResetMailTemplate>> | undefined;
  defaultLocale?: PasswordLocale | undefined;
  /** Hash parameters for the new password. Default OWASP's scrypt parameters. */
  hashParams?: ScryptParams | undefined;
  /** Background jobs (lookup, token, mail) queued at most; past it requests are dropped (and logged as an event). Default 1000. */
  maxPending?: number | undefined;
  /** Called when a background job fails (mail server down...). Default: a `PortcullisWarning` (`process.emitWarning`, else `console.warn`). */
  onBackgroundError?: ((error: unknown) => void) | undefined;
}

/** Input of {@link PasswordReset.request}. */
export interface ResetRequestInput {
  email: unknown;
  client: ClientAddressInput;
  locale?: string | undefined;
}

/** The one answer to every accepted reset request. */
export interface ResetRequestResult {
  readonly status: 202;
  readonly body: { readonly message: string };
}

/** Input of {@link PasswordReset.confirm}. */
export interface ResetConfirmInput {
  token: unknown;
  password: unknown;
  client?: ClientAddressInput | undefined;
  locale?: string | undefined;
}

/** Outcome of a confirm: done (the user must now log in), or the new password was refused. */
export type ResetConfirmResult =
  | { readonly status: 'completed'; readonly userId: string }
  | { readonly status: 'rejected'; readonly validation: PasswordCheckResult };

/** The reset flow. */
export interface PasswordReset {
  /**
   * Accepts a reset request. Always resolves to the same 202 body whether or not the account
   * exists or its mails are throttled; lookup, token and mail run off the request path and do
   * the same work either way. Throws `ERR_PASSWORD_RESET_THROTTLED` (429) when the per-address
   * limiter refuses, `ERR_INPUT_INVALID` for a missing or absurd address.
   */
  request(input: ResetRequestInput): Promise<ResetRequestResult>;
  /**
   * Sets a new password with a token. Throws `ERR_PASSWORD_RESET_INVALID` for a bad, expired or
   * used token; returns `rejected` with the validation when the new password breaks the policy
   * (the token stays usable). Never logs the user in.
   */
  confirm(input: ResetConfirmInput): Promise<ResetConfirmResult>;
  /** Resolves when every queued background job has finished (tests, graceful shutdown). */
  idle(): Promise<void>;
}

const ACCEPTED: Record<PasswordLocale, string> = {
  en: 'If an account exists for this address, a reset link has been sent to it.',
  fr: 'Si un compte existe pour cette adresse, un lien de réinitialisation y a été envoyé.',
};

/** The user id of an unknown address's throw-away token (no account id can contain a NUL). */
const NO_ACCOUNT = '\u0000no-account';

/** The transport of an unknown address's mail: none. */
const discard = async (_message: MailMessage): Promise<void> => {};

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets. */
const MAX_EMAIL = 254;

/** Throws a {@link PasswordPolicyError} (422) for a refused confirm; returns the user id otherwise. */
export function assertResetCompleted(result: ResetConfirmResult): string {
  if (result.status === 'rejected') throw new PasswordPolicyError(result.validation.failures);
  return result.userId;
}

const RESET_REQUIRED: readonly (readonly [keyof PasswordResetOptions, string])[] = [
  ['publicResetUrl', "the public URL of your reset page, e.g. 'https://app.example.com/reset'"],
  ['findUserByEmail', 'async (email) => the account with that address, or undefined'],
  ['findUserById', 'async (id) => the account with that id, or undefined'],
  ['setPassword', 'async (userId, passwordHash) => store the new hash'],
  ['validator', 'a password validator from createPasswordValidator()'],
  ['mailer', 'a mailer, e.g. createSmtpMailer({ transport, from })'],
];

/**
 * Builds the password-reset flow.
 *
 * @example
 * ```ts
 * const reset = createPasswordReset({
 *   publicResetUrl: 'https://app.example.com/reset',
 *   findUserByEmail: (e) => db.users.byEmail(e), findUserById: (id) => db.users.byId(id),
 *   setPassword: (id, hash) => db.users.setHash(id, hash),
 *   validator: createPasswordValidator(), mailer: createSmtpMailer({ transport: url, from }),
 *   revoker: tokens.revoker, perIpLimiter, perAccountLimiter, events,
 * });
 * ```
 */
export function createPasswordReset(options: PasswordResetOptions): PasswordReset {
  checkOptions('createPasswordReset', options, {
    publicResetUrl: true,
    findUserByEmail: true,
    findUserById: true,
    setPassword: true,
    validator: true,
    mailer: true,
    store: true,
    tokenTtlMs: true,
    perIpLimiter: true,
    perAccountLimiter: true,
    revoker: true,
    events: true,
    context: true,
    clock: true,
    clientAddress: true,
    appName: true,
    templates: true,
    defaultLocale: true,
    hashParams: true,
    maxPending: true,
    onBackgroundError: true,
  } satisfies KnownOptions<PasswordResetOptions>);
  // Each of these is first called inside a request or a background job: missing, it would be a
  // TypeError there (or a silent failed mail), so it is a ConfigError here.
  for (const [key, hint] of RESET_REQUIRED) requireOption('createPasswordReset', options ?? {}, key, hint);
  let base: URL;
  try {
    base = new URL(options.publicResetUrl);
  } catch {
    throw new ConfigError('password reset: publicResetUrl must be an absolute URL');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new ConfigError('password reset: publicResetUrl must be http(s)');
  const ttl = options.tokenTtlMs ?? 30 * 60_000;
  if (!Number.isInteger(ttl) || ttl < 60_000 || ttl > 24 * 3_600_000)
    throw new ConfigError('password reset: tokenTtlMs must be between 1 minute and 24 hours');
  const clock = options.clock ?? options.context?.clock ?? systemClock;
  const store = options.store ?? createMemoryResetTokenStore({ clock });
  const resolve = options.clientAddress ?? options.context?.clientAddress ?? createClientAddressResolver();
  const events = options.events ?? options.context?.events;
  const appName = options.appName ?? 'Portcullis';
  const defaultLocale = options.defaultLocale ?? 'en';
  const templates = { ...DEFAULT_RESET_TEMPLATES, ...options.templates };
  const hashParams = options.hashParams ?? DEFAULT_SCRYPT_PARAMS;
  const maxPending = options.maxPending ?? 1000;
  const onError =
    options.onBackgroundError ??
    ((e: unknown) =>
      emitPortcullisWarning(`password reset job failed: ${e instanceof Error ? e.message : String(e)}`));
  const pending = new Set<Promise<void>>();
  const perIp =
    options.perIpLimiter === false
      ? undefined
      : (options.perIpLimiter ?? createMemoryResetLimiter({ ...DEFAULT_RESET_PER_IP, clock }));
  const perAccount =
    options.perAccountLimiter === false
      ? undefined
      : (options.perAccountLimiter ?? createMemoryResetLimiter({ ...DEFAULT_RESET_PER_ACCOUNT, clock }));
  // The mail job has no caller to answer 503: its store failures are published and counted.
  const storeHealth = createStoreHealth(events, 'password-reset');

  const linkFor = (token: string) => {
    const url = new URL(base.href);
    url.searchParams.set('token', token);
    return url.href;
  };

  // The background job does the same work whether or not the account exists (lookup, token,
  // store writes, mail rendering; only the send differs), so the event loop it shares with the
  // requests being answered is busy for the same time either way (OWASP Forgot Password Cheat
  // Sheet: consistent response time). An unknown address's token is written under a user id
  // no account can have, so the next one voids it exactly as a known account's request voids
  // the older link; its verifier never leaves the process, so it can never be confirmed.
  const job = async (email: string, locale: PasswordLocale, clientAddress: string) => {
    const user = await options.findUserByEmail(email);
    const userId = user?.id ?? NO_ACCOUNT;
    const minted = mintResetToken(userId);
    // One outstanding token per account: a new request voids the older links.
    await store.deleteForUser(userId);
    await store.save(
      minted.selector,
      { userId, verifierHash: minted.verifierHash, expiresAt: clock.now() + ttl, locale },
      ttl,
    );
    const mail = templates[locale]({
      link: linkFor(minted.token),
      expiresInMinutes: Math.round(ttl / 60_000),
      appName,
    });
    // The message is built either way; only the transport differs (a real send, or none).
    if (user === undefined) await discard({ to: '', ...mail });
    else await options.mailer.send({ to: user.email, ...mail });
    if (user === undefined)
      events?.publish({ name: 'authn_password_reset_fail', reason: 'unknown_account', clientAddress });
    else events?.publish({ name: 'authn_password_reset_requested', userId: user.id, clientAddress });
  };

  return withPasswordKit({
    async request(input) {
      const locale = pickLocale(input.locale, defaultLocale);
      const raw = input.email;
      if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_EMAIL || !raw.includes('@'))
        throw new InputError('ERR_INPUT_INVALID', 'email must be an e-mail address');
      const email = raw.trim().toLowerCase();
      const client = resolve(input.client);
      const clientAddress = client.address;
      const accepted: ResetRequestResult = { status: 202, body: { message: ACCEPTED[locale] } };
      if (perIp !== undefined) {
        const d = await perIp.consume(`ip:${client.key}`);
        if (!d.allowed) {
          events?.publish({ name: 'ratelimit_exceeded', clientAddress, resource: 'password_reset_request' });
          throw new ResetThrottledError(d.retryAfterMs ?? 60_000);
        }
      }
      if (perAccount !== undefined && !(await perAccount.consume(`account:${email}`)).allowed) {
        // Same answer, no mail: the requester learns nothing and the owner is not flooded.
        events?.publish({ name: 'ratelimit_exceeded', clientAddress, resource: 'password_reset_account' });
        return accepted;
      }
      // Everything that depends on whether the account exists runs after the answer, so the
      // response cannot differ in status, body or timing (OWASP Forgot Password Cheat Sheet).
      if (pending.size < maxPending) {
        const p: Promise<void> = new Promise<void>((done) => {
          setImmediate(() => {
            job(email, locale, clientAddress)
              .then(storeHealth.ok)
              .catch((e: unknown) => {
                events?.publish({ name: 'authn_password_reset_fail', reason: 'job_failed', clientAddress });
                storeHealth.failed(e);
                onError(e);
              })
              .finally(() => {
                pending.delete(p);
                done();
              });
          });
        });
        pending.add(p);
      } else {
        events?.publish({ name: 'authn_password_reset_fail', reason: 'queue_full', clientAddress });
      }
      return accepted;
    },

    async confirm(input) {
      const clientAddress = input.client ? resolve(input.client).address : undefined;
      const failEvent = (reason: string, userId?: string) =>
        events?.publish({
          name: 'authn_password_reset_fail',
          reason,
          ...(userId !== undefined ? { userId } : {}),
          ...(clientAddress !== undefined ? { clientAddress } : {}),
        });
      const parsed = parseResetToken(input.token);
      if (!parsed) {
        failEvent('malformed_token');
        throw new ResetTokenError();
      }
      if (typeof input.password !== 'string')
        throw new InputError('ERR_INPUT_INVALID', 'password must be a string');
      const record = await store.peek(parsed.selector);
      if (!record || !verifierMatches(parsed.verifier, record.verifierHash)) {
        failEvent('invalid_token');
        throw new ResetTokenError();
      }
      if (record.expiresAt <= clock.now()) {
        await store.take(parsed.selector);
        failEvent('expired_token', record.userId);
        throw new ResetTokenError();
      }
      const user = await options.findUserById(record.userId);
      if (!user) {
        await store.take(parsed.selector);
        failEvent('unknown_account', record.userId);
        throw new ResetTokenError();
      }
      const locale = input.locale ?? record.locale;
      const validation = await options.validator.validate(input.password, {
        email: user.email,
        username: user.username,
        mfa: user.mfa,
        locale,
      });
      if (!validation.ok) {
        events?.publish({
          name: 'authn_password_change_fail',
          userId: user.id,
          reason: validation.failures.map((f) => f.code).join(','),
          ...(clientAddress !== undefined ? { clientAddress } : {}),
        });
        return { status: 'rejected', validation };
      }
      // The atomic step: of two concurrent confirms exactly one gets the record back.
      const taken = await store.take(parsed.selector);
      if (!taken || !verifierMatches(parsed.verifier, taken.verifierHash)) {
        failEvent('token_already_used', record.userId);
        throw new ResetTokenError();
      }
      const passwordHash = await hashPassword(input.password, hashParams);
      await options.setPassword(user.id, passwordHash);
      await store.deleteForUser(user.id);
      await options.revoker?.revokeAll(user.id);
      const attrs = clientAddress !== undefined ? { clientAddress } : {};
      events?.publish({ name: 'authn_password_reset_completed', userId: user.id, ...attrs });
      events?.publish({ name: 'authn_password_change', userId: user.id, reason: 'reset', ...attrs });
      return { status: 'completed', userId: user.id };
    },

    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  });
}
