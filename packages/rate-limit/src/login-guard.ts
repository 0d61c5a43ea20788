import { setTimeout as delay } from 'node:timers/promises';
import {
  type ClientAddress,
  type ClientAddressInput,
  type ClientAddressOptions,
  type ClientAddressResolver,
  ConfigError,
  checkOptions,
  createClientAddressResolver,
  isResolvedClient,
  type KnownOptions,
  type RateLimitQuota,
} from '@portcullis/core';
import { RateLimitExceededError } from './errors.js';
import { rateLimitHeaders } from './headers.js';
import { guardKey, hashKey, normaliseUsername } from './keys.js';
import {
  createStoreGuard,
  STORE_GUARD_OPTIONS,
  type StoreFailurePolicy,
  type StoreGuardOptions,
  validateQuota,
} from './limiter.js';

/** A limit of the login guard. */
export interface LoginLimit {
  limit: number;
  windowMs: number;
}

/**
 * The slow lane: per account, delay rather than lock, and only for clients the account has
 * reason to distrust (OWASP "Slow Down Online Guessing Attacks with Device Cookies": lockouts
 * and delays apply to untrusted clients, never to the owner's known ones).
 */
export interface SlowLaneOptions {
  /** Failures (from any address) before delays start. Default 3. */
  freeAttempts?: number | undefined;
  /** First delay; doubles with each further failure. Default 500 ms. */
  baseDelayMs?: number | undefined;
  /** Cap of the delay. Default 10,000 ms. */
  maxDelayMs?: number | undefined;
  /** How long failures are remembered. Default 1 h. */
  windowMs?: number | undefined;
  /**
   * An address with at most this many consecutive failures for the account is clean: it skips
   * the delay (the owner's typo does not put them in the slow lane). Default 1.
   */
  cleanAddressFailures?: number | undefined;
  /**
   * Failures from clean addresses per account per `windowMs` that skip the delay; past it, clean
   * addresses wait like the others, so fresh addresses cannot buy an attacker unlimited
   * undelayed guesses. `0` turns the clean lane off. Default 10.
   */
  cleanLaneFailures?: number | undefined;
}

/** Options of {@link createLoginGuard}. */
export interface LoginGuardOptions extends StoreGuardOptions {
  /**
   * Consecutive failures per username + client address, reset by a success. Default 5 per
   * 15 min (OWASP Authentication Cheat Sheet, "Protect Against Automated Attacks").
   */
  perUserAndIp?: LoginLimit | undefined;
  /** Failures per client address, across usernames (password spraying). Default 100 per day. */
  perIp?: LoginLimit | undefined;
  /** Per-account delays. `false` turns them off. */
  slowLane?: SlowLaneOptions | false | undefined;
  /** Default `closed`: while the store is down, logins get a 503 rather than unlimited guesses. */
  onStoreFailure?: StoreFailurePolicy | undefined;
  clientAddress?: ClientAddressOptions | ClientAddressResolver | undefined;
  /** How the delay is waited. Default `timers/promises` setTimeout; tests inject a recorder. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** What a settled login reports: the user, once the password proved who it is. */
export interface LoginSuccess {
  /** The account's id (published as the event's `userId`; never the typed username). */
  userId?: string | undefined;
}

/** Which way the slow lane let an attempt through. */
export type LoginLane = 'trusted' | 'clean' | 'slow' | 'off';

/** What every attempt carries. */
interface LoginAttemptBase {
  /** Delay already waited by the slow lane before this attempt was let through. */
  readonly delayMs: number;
  /**
   * `trusted` (the caller vouched for the client), `clean` (an address without failures for the
   * account, within the account's clean budget), `slow` (everything else: delayed once the
   * account has `freeAttempts` failures) or `off` (no slow lane, or a refused attempt).
   */
  readonly lane: LoginLane;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One login attempt in progress: refused (answer `error`, 429, without checking the password),
 * or admitted (check the password, then call `succeeded` or `failed`, which publish
 * `authn_login_success` / `authn_login_fail` on the context's bus).
 */
export type LoginAttempt =
  | (LoginAttemptBase & {
      readonly allowed: false;
      readonly error: RateLimitExceededError;
      /** No-ops: a refused attempt checked nothing. */
      succeeded(user?: LoginSuccess): Promise<void>;
      failed(): Promise<void>;
    })
  | (LoginAttemptBase & {
      readonly allowed: true;
      readonly error: undefined;
      /** Call after a correct password: resets the consecutive count, refunds this attempt, publishes `authn_login_success`. */
      succeeded(user?: LoginSuccess): Promise<void>;
      /** Call after a wrong password (the attempt is already counted): publishes `authn_login_fail`. */
      failed(): Promise<void>;
    });

/** The login brute-force guard. */
export interface LoginGuard {
  /**
   * Counts the attempt first (increment first, refund on success: parallel guesses cannot
   * all slip through a read-then-write gap), then waits the slow-lane delay if any.
   */
  attempt(input: LoginAttemptInput): Promise<LoginAttempt>;
}

/** What {@link LoginGuard.attempt} needs. */
export interface LoginAttemptInput {
  username: string;
  client: ClientAddressInput | ClientAddress;
  /**
   * The app recognised the client as one the account logged in from before (a valid device
   * cookie, OWASP "Slow Down Online Guessing Attacks with Device Cookies"): no slow-lane delay,
   * whatever the account's failures. The per-address limits still apply. Default false.
   */
  trustedClient?: boolean | undefined;
}

const DAY = 86_400_000;
/** Account counters never refuse; the limit only has to exceed any realistic failure count. */
const SLOW_LANE_CEILING = 1_000_000;

const LOGIN_GUARD_OPTIONS = {
  ...STORE_GUARD_OPTIONS,
  perUserAndIp: true,
  perIp: true,
  slowLane: true,
  onStoreFailure: true,
  clientAddress: true,
  sleep: true,
} as const satisfies KnownOptions<LoginGuardOptions>;

const SLOW_LANE_OPTIONS = {
  freeAttempts: true,
  baseDelayMs: true,
  maxDelayMs: true,
  windowMs: true,
  cleanAddressFailures: true,
  cleanLaneFailures: true,
} as const satisfies KnownOptions<SlowLaneOptions>;

/**
 * The brute-force kit for a login route: consecutive failures per username + address, failures
 * per address per day, and a per-account slow lane that delays instead of locking (a hard
 * lockout lets anyone lock a victim out; OWASP Blocking Brute Force Attacks). The delay applies
 * to untrusted clients only (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a
 * client the app vouches for (`trustedClient`, e.g. a device cookie) and a clean address (no
 * failures for the account, within a per-account budget) are not delayed, so an attacker's
 * failures cannot slow the owner down. docs/rate-limit.md has the measured figures.
 *
 * @example
 * ```ts
 * const guard = createLoginGuard({ store, events });
 * const attempt = await guard.attempt({ username: body.username, client: { remoteAddress, headers } });
 * if (!attempt.allowed) return sendProblem(res, attempt.error);
 * if (await checkPassword(body)) await attempt.succeeded(); else await attempt.failed();
 * ```
 */
export function createLoginGuard(options: LoginGuardOptions = {}): LoginGuard {
  checkOptions('createLoginGuard', options, LOGIN_GUARD_OPTIONS);
  if (options.slowLane) checkOptions('createLoginGuard: slowLane', options.slowLane, SLOW_LANE_OPTIONS);
  const perUserIp = options.perUserAndIp ?? { limit: 5, windowMs: 15 * 60_000 };
  const perIp = options.perIp ?? { limit: 100, windowMs: DAY };
  const uq: RateLimitQuota = { algorithm: 'sliding-window', ...perUserIp };
  const iq: RateLimitQuota = { algorithm: 'sliding-window', ...perIp };
  validateQuota('login-user-ip', uq);
  validateQuota('login-ip', iq);
  const slow = options.slowLane === false ? undefined : (options.slowLane ?? {});
  const free = slow?.freeAttempts ?? 3;
  const base = slow?.baseDelayMs ?? 500;
  const maxDelay = slow?.maxDelayMs ?? 10_000;
  const aq: RateLimitQuota = {
    algorithm: 'fixed-window',
    limit: SLOW_LANE_CEILING,
    windowMs: slow?.windowMs ?? 3_600_000,
  };
  const cleanAddress = slow?.cleanAddressFailures ?? 1;
  const cq: RateLimitQuota = {
    algorithm: 'fixed-window',
    limit: slow?.cleanLaneFailures ?? 10,
    windowMs: aq.windowMs,
  };
  if (slow !== undefined) {
    validateQuota('login-account', aq);
    if (cq.limit !== 0) validateQuota('login-account-clean', cq);
    if (!Number.isInteger(free) || free < 0)
      throw new ConfigError('slowLane.freeAttempts must be an integer >= 0');
    if (!Number.isInteger(cleanAddress) || cleanAddress < 0)
      throw new ConfigError('slowLane.cleanAddressFailures must be an integer >= 0');
    if (!(base >= 0 && maxDelay >= base))
      throw new ConfigError('slowLane delays must satisfy 0 <= baseDelayMs <= maxDelayMs');
  }
  const resolver: ClientAddressResolver =
    typeof options.clientAddress === 'function'
      ? options.clientAddress
      : options.clientAddress === undefined && options.context !== undefined
        ? options.context.clientAddress
        : createClientAddressResolver(options.clientAddress ?? {});
  const resolve = (client: ClientAddressInput | ClientAddress): ClientAddress =>
    isResolvedClient(client) ? client : resolver(client);
  const guard = createStoreGuard(options);
  const onStoreFailure = options.onStoreFailure ?? 'closed';
  const sleep = options.sleep ?? ((ms: number) => delay(ms));

  return {
    async attempt({ username, client, trustedClient }) {
      const address = resolve(client);
      // Usernames are hashed into keys: a typed username is attacker input and may be a
      // password typed in the wrong field; it never reaches the store or the events in clear.
      const account = hashKey(normaliseUsername(username));
      const uk = guardKey('login', 'ua', account, address.key);
      const ik = guardKey('login', 'ip', address.key);
      const ak = guardKey('login', 'acct', account);
      const ck = guardKey('login', 'clean', account);
      const ctx = { onStoreFailure, clientAddress: address.address };
      const [u, i] = await Promise.all([
        guard.consume(uk, uq, 1, { ...ctx, rule: 'login-user-ip' }),
        guard.consume(ik, iq, 1, { ...ctx, rule: 'login-ip' }),
      ]);
      const now = guard.clock.now();
      if (!u.allowed || !i.allowed) {
        // A refused attempt checks no password, so it must not count either.
        if (u.allowed) await guard.refund(uk, uq, 1);
        if (i.allowed) await guard.refund(ik, iq, 1);
        const [rule, state, q] = !u.allowed
          ? (['login-user-ip', u, uq] as const)
          : (['login-ip', i, iq] as const);
        const headers = rateLimitHeaders(
          { id: rule, limit: q.limit, windowMs: q.windowMs, headers: {} },
          state,
          '',
          now,
        );
        return {
          allowed: false,
          delayMs: 0,
          lane: 'off',
          headers,
          error: new RateLimitExceededError(rule, state.retryAfterMs, headers),
          succeeded: async () => {},
          failed: async () => {},
        };
      }
      let delayMs = 0;
      let lane: LoginLane = 'off';
      let cleanCounted = false;
      if (slow !== undefined) {
        // The owner's correct password from a clean address must not wait for the attacker's
        // failures; an attacker's own addresses turn unclean after `cleanAddressFailures`, and
        // the clean lane has a budget per account so fresh addresses cannot replace the delay.
        lane = 'slow';
        if (trustedClient === true) lane = 'trusted';
        else if (cq.limit > 0 && uq.limit - u.remaining - 1 <= cleanAddress) {
          const c = await guard.consume(ck, cq, 1, { ...ctx, rule: 'login-account-clean' });
          cleanCounted = c.allowed;
          if (c.allowed && c.source === 'store') lane = 'clean';
        }
        const a = await guard.consume(ak, aq, 1, { ...ctx, rule: 'login-account' });
        const priorFailures = aq.limit - a.remaining - 1;
        if (lane === 'slow' && a.source === 'store' && priorFailures >= free) {
          delayMs = Math.min(maxDelay, base * 2 ** Math.min(30, priorFailures - free));
          guard.events?.publish({
            name: 'authn_login_throttled',
            clientAddress: address.address,
            resource: 'login-account',
            attributes: { delayMs, failures: priorFailures },
          });
          await sleep(delayMs);
        }
      }
      const headers = rateLimitHeaders(
        { id: 'login-user-ip', limit: uq.limit, windowMs: uq.windowMs, headers: {} },
        u,
        '',
        now,
      );
      let settled = false;
      return {
        allowed: true,
        delayMs,
        lane,
        headers,
        error: undefined,
        async succeeded(user) {
          if (settled) return;
          settled = true;
          guard.events?.publish({
            name: 'authn_login_success',
            clientAddress: address.address,
            userId: user?.userId,
            resource: 'login',
          });
          await Promise.all([
            guard.reset(uk),
            guard.refund(ik, iq, 1),
            slow === undefined ? undefined : guard.refund(ak, aq, 1),
            cleanCounted ? guard.refund(ck, cq, 1) : undefined,
          ]);
        },
        async failed() {
          if (settled) return;
          settled = true;
          guard.events?.publish({
            name: 'authn_login_fail',
            clientAddress: address.address,
            resource: 'login',
            reason: 'ERR_LOGIN_FAILED',
          });
        },
      };
    },
  };
}
