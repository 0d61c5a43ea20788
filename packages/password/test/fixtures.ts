import { type Clock, createEventBus, type ResetTokenStore, type SecurityEvent } from '@portcullis/core';
import {
  createPasswordReset,
  createPasswordValidator,
  type MailMessage,
  type PasswordReset,
  type PasswordResetOptions,
  type ResetRateLimiter,
  type ResetUser,
} from '../src/index.js';

/** One validator per test process: building it loads the dictionaries (~150 ms). */
export const validator = createPasswordValidator({ appName: 'Portcullis' });

/** A tiny in-memory user table standing in for the app's database. */
export function createUsers(
  initial: ResetUser[] = [{ id: 'u-alice', email: 'alice@example.com', username: 'alice' }],
) {
  const users = new Map(initial.map((u) => [u.id, u]));
  const hashes = new Map<string, string>();
  return {
    users,
    hashes,
    findUserByEmail: async (email: string) =>
      [...users.values()].find((u) => u.email.toLowerCase() === email),
    findUserById: async (id: string) => users.get(id),
    setPassword: async (id: string, hash: string) => {
      hashes.set(id, hash);
    },
  };
}

/** A limiter allowing `limit` hits per key (enough for the flow's tests; the real one is @portcullis/rate-limit). */
export function countingLimiter(limit: number): ResetRateLimiter & { hits: Map<string, number> } {
  const hits = new Map<string, number>();
  return {
    hits,
    async consume(key) {
      const n = (hits.get(key) ?? 0) + 1;
      hits.set(key, n);
      return n <= limit ? { allowed: true } : { allowed: false, retryAfterMs: 42_000 };
    },
  };
}

export interface Harness {
  reset: PasswordReset;
  mails: MailMessage[];
  events: SecurityEvent[];
  revoked: string[];
  db: ReturnType<typeof createUsers>;
}

/** A reset flow wired to an in-memory mailbox, user table, revoker and event log. */
export function createHarness(
  overrides: Partial<PasswordResetOptions> & {
    clock?: Clock | undefined;
    store?: ResetTokenStore | undefined;
  } = {},
): Harness {
  const mails: MailMessage[] = [];
  const events: SecurityEvent[] = [];
  const revoked: string[] = [];
  const bus = createEventBus();
  bus.subscribe((e) => {
    events.push(e);
  });
  const db = createUsers();
  const reset = createPasswordReset({
    publicResetUrl: 'https://app.example.com/reset',
    findUserByEmail: db.findUserByEmail,
    findUserById: db.findUserById,
    setPassword: db.setPassword,
    validator,
    mailer: {
      async send(m) {
        mails.push(m);
      },
    },
    revoker: {
      async revokeAll(id) {
        revoked.push(id);
      },
    },
    events: bus,
    hashParams: { ln: 10, r: 8, p: 1 },
    ...overrides,
  });
  return { reset, mails, events, revoked, db };
}

/** The token in a mailed link. */
export function tokenFromMail(mail: MailMessage | undefined): string {
  const m = /https:\/\/app\.example\.com\/reset\?token=([A-Za-z0-9_.-]+)/.exec(mail?.text ?? '');
  if (!m?.[1]) throw new Error('no reset link in the mail');
  return m[1];
}

export const client = { remoteAddress: '203.0.113.7', headers: {} };
export const NEW_PASSWORD = 'Violet-Tramway-Quiche-42';
