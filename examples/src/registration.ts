/**
 * The demo's sign-up without an account oracle (OWASP Authentication Cheat Sheet,
 * "Account creation"): every registration request gets the same 202 after the same work (the
 * password hash), and what depends on the account happens after the answer, by mail:
 *
 * - a new username and address: a single-use link; the account exists once it is followed;
 * - an address already registered: its owner is told, with a pointer to the password reset
 *   (the request's username and password are dropped);
 * - a username already taken: the address is told to pick another.
 *
 * An account is only usable after its link is followed, so logging in with what one just
 * registered tells nothing about the address either.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '@portcullis/core';
import {
  createMemoryResetLimiter,
  DEFAULT_RESET_PER_ACCOUNT,
  type Mailer,
  type ResetRateLimiter,
} from '@portcullis/password';
import type { Cluster, Redis } from 'ioredis';
import type { UserRepository } from './users.ts';

/** A registration waiting for its link to be followed. */
export interface PendingRegistration {
  username: string;
  email: string;
  passwordHash: string;
}

/** Single-use pending registrations, keyed by the SHA-256 of their link's token. */
export interface PendingStore {
  put(id: string, pending: PendingRegistration, ttlMs: number): Promise<void>;
  /** Returns and deletes (atomically) the registration, or undefined when unknown or expired. */
  take(id: string): Promise<PendingRegistration | undefined>;
}

export interface Registrations {
  /** Queues the account-dependent work and returns at once: the caller answers 202 whatever happens. */
  request(input: PendingRegistration): void;
  /** Follows a link: the pending registration, or undefined (unknown, expired or used). */
  confirm(token: string): Promise<PendingRegistration | undefined>;
  /** Resolves when every queued mail is sent (tests, shutdown). */
  idle(): Promise<void>;
}

export interface RegistrationOptions {
  users: UserRepository;
  mailer: Mailer;
  store: PendingStore;
  /** Base of the link (PUBLIC_URL), never the request's Host. */
  publicUrl: string;
  /** How long a link stays valid. Default 24 h. */
  ttlMs?: number | undefined;
  /** Called with a failed background job (a mail that could not be sent). */
  onError?: ((err: unknown) => void) | undefined;
  /**
   * Mails per typed address: past it a sign-up is answered the same 202 and mails nothing, so the
   * form cannot flood an inbox (the owner's or a stranger's). Default: the reset flow's per-account
   * limit, 3 an hour, in this process (pass a shared limiter with several workers).
   */
  mailLimiter?: ResetRateLimiter | undefined;
  clock?: Clock | undefined;
}

const idOf = (token: string) => createHash('sha256').update(token).digest('hex');

export function createMemoryPendingStore(clock: Clock | undefined): PendingStore {
  const now = () => clock?.now() ?? Date.now();
  const pending = new Map<string, { value: PendingRegistration; expires: number }>();
  return {
    async put(id, value, ttlMs) {
      for (const [k, v] of pending) if (v.expires <= now()) pending.delete(k);
      pending.set(id, { value, expires: now() + ttlMs });
    },
    async take(id) {
      const entry = pending.get(id);
      pending.delete(id);
      return entry && entry.expires > now() ? entry.value : undefined;
    },
  };
}

export function createRedisPendingStore(redis: Redis | Cluster, prefix: string): PendingStore {
  return {
    async put(id, value, ttlMs) {
      await redis.set(`${prefix}${id}`, JSON.stringify(value), 'PX', ttlMs);
    },
    async take(id) {
      const raw = await redis.getdel(`${prefix}${id}`);
      return raw ? (JSON.parse(raw) as PendingRegistration) : undefined;
    },
  };
}

function mail(to: string, subject: string, lines: string[]) {
  const text = lines.join('\n\n');
  const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return { to, subject, text, html: lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n') };
}

export function createRegistrations(options: RegistrationOptions): Registrations {
  const { users, mailer, store } = options;
  const ttlMs = options.ttlMs ?? 24 * 3600_000;
  let queue: Promise<void> = Promise.resolve();
  const mailLimiter =
    options.mailLimiter ?? createMemoryResetLimiter({ ...DEFAULT_RESET_PER_ACCOUNT, clock: options.clock });

  const work = async (input: PendingRegistration) => {
    if (!(await mailLimiter.consume(`signup:${input.email.trim().toLowerCase()}`)).allowed) return;
    const owner = await users.byEmail(input.email);
    if (owner) {
      await mailer.send(
        mail(owner.email, 'Someone tried to sign up with your address', [
          'Someone (perhaps you) tried to create a Portcullis demo account with this address.',
          `You already have one: its username is ${owner.username}. Nothing was changed.`,
          `Forgot your password? Ask for a reset at ${options.publicUrl}/reset.`,
        ]),
      );
      return;
    }
    if (await users.byUsername(input.username)) {
      await mailer.send(
        mail(input.email, 'That username is taken', [
          `The username ${input.username} is taken: sign up again with another one.`,
        ]),
      );
      return;
    }
    const token = randomBytes(32).toString('base64url');
    await store.put(idOf(token), input, ttlMs);
    await mailer.send(
      mail(input.email, 'Confirm your Portcullis demo account', [
        `Follow this link to create the account ${input.username}: ${options.publicUrl}/register?token=${token}`,
        `It is valid for ${Math.round(ttlMs / 3600_000)} hours, once. If you did not sign up, ignore this mail.`,
      ]),
    );
  };

  return {
    request(input) {
      queue = queue.then(() => work(input)).catch((err: unknown) => options.onError?.(err));
    },
    async confirm(token) {
      if (token.length === 0 || token.length > 128) return undefined;
      return store.take(idOf(token));
    },
    idle: () => queue,
  };
}
