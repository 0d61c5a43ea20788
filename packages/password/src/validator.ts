import { ConfigError, checkOptions, InputError, type KnownOptions } from '@portcullis/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';
import * as zxcvbnFr from '@zxcvbn-ts/language-fr';
import type { BreachProvider } from './breach.js';
import { withPasswordKit } from './kit.js';
import {
  failureMessage,
  type PasswordLocale,
  type PasswordSuggestionCode,
  pickLocale,
  ZXCVBN_SUGGESTIONS,
} from './messages.js';
import {
  type BreachOutcome,
  type CheckOutcome,
  type PasswordFailure,
  type PasswordFailureCode,
  type PasswordPolicy,
  type PasswordPolicyPreset,
  resolvePolicy,
} from './policy.js';
import { createScorer } from './scorer.js';

/**
 * NFKC, the normalisation NIST SP 800-63B rev. 4 §3.1.1.2 names for passwords, so a password
 * typed on another keyboard or OS (composed vs decomposed `é`, full-width digits) still matches.
 * Hashing uses the same function, so set and verify agree.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

const INVISIBLE = /\p{Cf}/u;

/** Length in code points (an emoji is one character, not two UTF-16 units). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Who the password is for: words a guesser would try first. */
export interface PasswordContext {
  username?: string | undefined;
  email?: string | undefined;
  /** Further words (a display name, the company). */
  words?: readonly string[] | undefined;
  /** The account has a second factor: the policy's `minLengthWithMfa` applies. */
  mfa?: boolean | undefined;
  /** Locale of the messages for this call (default: the validator's). */
  locale?: PasswordLocale | string | undefined;
  /** Aborts a pending breach check. */
  signal?: AbortSignal | undefined;
}

/** The validator's decision. */
export interface PasswordCheckResult {
  readonly ok: boolean;
  /** zxcvbn-ts score 0..4; 0 when scoring was skipped. */
  readonly score: number;
  /** Every rule that failed, in a stable order. */
  readonly failures: readonly PasswordFailure[];
  readonly suggestions: readonly PasswordSuggestionCode[];
  readonly checks: {
    readonly length: CheckOutcome;
    /** No invisible format character (Unicode category Cf) is left after NFKC. */
    readonly characters: CheckOutcome;
    readonly composition: CheckOutcome;
    readonly blocklist: CheckOutcome;
    readonly context: CheckOutcome;
    readonly strength: CheckOutcome;
    readonly breach: BreachOutcome;
  };
  readonly locale: PasswordLocale;
}

/** Options of {@link createPasswordValidator}. */
export interface PasswordValidatorOptions {
  /** A preset name or a custom policy. Default `composition` (12+ characters, upper, lower, digit). */
  policy?: PasswordPolicyPreset | PasswordPolicy | undefined;
  /** Name of the application: a context word every password is checked against. */
  appName?: string | undefined;
  /** Default locale of messages. Default `en`. */
  locale?: PasswordLocale | undefined;
  /** Extra blocklisted passwords (compared case-insensitively after NFKC). */
  blocklist?: Iterable<string> | undefined;
  /** Breach provider (HIBP range client, offline list). None: `checks.breach` is `skipped`. */
  breach?: BreachProvider | undefined;
  /**
   * What to do when the breach provider cannot answer: `accept` (default; the result says
   * `unavailable`, every other check still ran, and an outage of a third party does not block
   * every password change) or `refuse` (fails with `breach_unavailable`).
   */
  whenBreachUnavailable?: 'accept' | 'refuse' | undefined;
  /**
   * Code points sent to zxcvbn-ts. Default 64: zxcvbn's l33t and pattern search grow fast with
   * length (a 128-character l33t string takes over a second), and truncation only lowers the
   * estimate, so it can refuse but never wrongly accept.
   */
  scoreMaxLength?: number | undefined;
  /** zxcvbn-ts `l33tMaxSubstitutions`. Default 4 (zxcvbn's 100 costs 5-10x per check for no practical gain). */
  l33tMaxSubstitutions?: number | undefined;
}

/** A validator built once at start-up. */
export interface PasswordValidator {
  readonly policy: PasswordPolicy;
  /** Validates a new password (set/change only), breach check included. */
  validate(password: string, context?: PasswordContext): Promise<PasswordCheckResult>;
  /** Same without the breach check (`checks.breach: 'skipped'`); synchronous, for UIs and benchmarks. */
  validateSync(password: string, context?: PasswordContext): PasswordCheckResult;
}

/** Context words shorter than this are not checked (a 2-letter username would refuse half of all passwords). */
const MIN_CONTEXT_WORD = 3;

function contextWords(context: PasswordContext | undefined, appName: string | undefined) {
  const words: { field: string; word: string }[] = [];
  const add = (field: string, w: string | undefined) => {
    if (!w) return;
    const n = normalizePassword(w).toLowerCase().trim();
    if (codePointLength(n) >= MIN_CONTEXT_WORD) words.push({ field, word: n });
  };
  add('username', context?.username);
  if (context?.email) {
    add('email', context.email);
    add('email', context.email.split('@')[0]);
  }
  for (const w of context?.words ?? []) add('username', w);
  add('appName', appName);
  return words;
}

/**
 * Builds the validator: zxcvbn-ts factory and the en/fr/common dictionaries are loaded here,
 * once, never per call.
 *
 * @example
 * ```ts
 * const validator = createPasswordValidator({ policy: 'composition', appName: 'Portcullis' });
 * const result = await validator.validate(body.password, { email: user.email, locale: 'fr' });
 * if (!result.ok) throw new PasswordPolicyError(result.failures);
 * ```
 */
export function createPasswordValidator(options: PasswordValidatorOptions = {}): PasswordValidator {
  checkOptions('createPasswordValidator', options, {
    policy: true,
    appName: true,
    locale: true,
    blocklist: true,
    breach: true,
    whenBreachUnavailable: true,
    scoreMaxLength: true,
    l33tMaxSubstitutions: true,
  } satisfies KnownOptions<PasswordValidatorOptions>);
  const policy = resolvePolicy(options.policy);
  const defaultLocale = options.locale ?? 'en';
  const scoreMax = options.scoreMaxLength ?? 64;
  if (!Number.isInteger(scoreMax) || scoreMax < 16 || scoreMax > policy.maxLength)
    throw new ConfigError('password validator: scoreMaxLength must be an integer in 16..policy.maxLength');
  const whenUnavailable = options.whenBreachUnavailable ?? 'accept';
  const blocklist = new Set<string>();
  if (policy.blocklist) {
    for (const p of zxcvbnCommon.dictionary['passwords-common']) blocklist.add(String(p).toLowerCase());
  }
  for (const p of options.blocklist ?? []) blocklist.add(normalizePassword(p).toLowerCase());
  const zxcvbn =
    policy.minScore > 0
      ? createScorer({
          dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary, ...zxcvbnFr.dictionary },
          graphs: zxcvbnCommon.adjacencyGraphs,
          l33tMaxSubstitutions: options.l33tMaxSubstitutions ?? 4,
          maxLength: scoreMax * 2,
        })
      : undefined;

  // Inputs beyond this many UTF-16 units cannot normalise to maxLength code points or fewer
  // (NFKC shrinks a run of combining marks at most ~4x in practice): refused before any work.
  const rawLimit = policy.maxLength * 4;

  const evaluate = (password: string, context: PasswordContext | undefined) => {
    if (typeof password !== 'string') throw new InputError('ERR_INPUT_INVALID', 'password must be a string');
    const locale = pickLocale(context?.locale, defaultLocale);
    const failures: PasswordFailure[] = [];
    const suggestions = new Set<PasswordSuggestionCode>();
    const fail = (code: PasswordFailureCode, params: Record<string, string | number> = {}) =>
      failures.push({ code, params, message: failureMessage(code, params, locale) });
    const checks = {
      length: 'pass' as CheckOutcome,
      characters: 'pass' as CheckOutcome,
      composition: 'skipped' as CheckOutcome,
      blocklist: 'skipped' as CheckOutcome,
      context: 'skipped' as CheckOutcome,
      strength: 'skipped' as CheckOutcome,
      breach: 'skipped' as BreachOutcome,
    };
    if (password.length > rawLimit) {
      fail('too_long', { max: policy.maxLength });
      checks.length = 'fail';
      return { locale, failures, suggestions, checks, score: 0, normalized: undefined };
    }
    const normalized = normalizePassword(password);
    const length = codePointLength(normalized);
    const min =
      context?.mfa && policy.minLengthWithMfa !== undefined ? policy.minLengthWithMfa : policy.minLength;
    if (length > policy.maxLength) {
      fail('too_long', { max: policy.maxLength });
      checks.length = 'fail';
      return { locale, failures, suggestions, checks, score: 0, normalized: undefined };
    }
    if (length < min) {
      fail('too_short', { min, length });
      checks.length = 'fail';
      suggestions.add('use_longer');
    }
    // Format characters (U+200B, U+00AD, U+2060, U+FEFF, bidi controls: category Cf) survive
    // NFKC, add length and zxcvbn entropy without adding guessing work (`pass\u200Bword...`
    // scored as strong), and cannot be typed reliably on the next login. Refused rather than
    // stripped: stripping would change what existing hashes were computed over.
    const invisible = INVISIBLE.exec(normalized);
    if (invisible !== null) {
      const cp = invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      fail('invisible_character', { codePoint: `U+${cp}` });
      checks.characters = 'fail';
    }
    const c = policy.composition;
    if (c.upper || c.lower || c.digit || c.symbol) {
      const before = failures.length;
      if (c.upper && !/\p{Lu}/u.test(normalized)) fail('missing_upper');
      if (c.lower && !/\p{Ll}/u.test(normalized)) fail('missing_lower');
      if (c.digit && !/\p{Nd}/u.test(normalized)) fail('missing_digit');
      if (c.symbol && !/[^\p{L}\p{N}\s]/u.test(normalized)) fail('missing_symbol');
      checks.composition = failures.length > before ? 'fail' : 'pass';
    }
    const lower = normalized.toLowerCase();
    if (policy.blocklist || blocklist.size > 0) {
      checks.blocklist = blocklist.has(lower) ? 'fail' : 'pass';
      if (checks.blocklist === 'fail') {
        fail('common_password');
        suggestions.add('avoid_common');
      }
    }
    const words = policy.context ? contextWords(context, options.appName) : [];
    if (policy.context) {
      const hit = words.find((w) => lower.includes(w.word));
      checks.context = hit ? 'fail' : 'pass';
      if (hit) {
        fail('contains_context', { field: hit.field });
        suggestions.add('avoid_personal_info');
      }
    }
    let score = 0;
    if (zxcvbn) {
      const cps = [...normalized];
      const scored = cps.length > scoreMax ? cps.slice(0, scoreMax).join('') : normalized;
      const z = zxcvbn.check(
        scored,
        words.map((w) => w.word),
      );
      score = z.score;
      checks.strength = score >= policy.minScore ? 'pass' : 'fail';
      if (checks.strength === 'fail') {
        fail('too_weak', { score, minScore: policy.minScore });
        for (const s of z.feedback.suggestions) {
          const code = ZXCVBN_SUGGESTIONS[s];
          if (code) suggestions.add(code);
        }
        if (suggestions.size === 0) suggestions.add('use_passphrase');
      }
    }
    return { locale, failures, suggestions, checks, score, normalized };
  };

  const finish = (r: ReturnType<typeof evaluate>): PasswordCheckResult => ({
    ok: r.failures.length === 0,
    score: r.score,
    failures: r.failures,
    suggestions: [...r.suggestions],
    checks: r.checks,
    locale: r.locale,
  });

  return withPasswordKit({
    policy,
    validateSync: (password, context) => finish(evaluate(password, context)),
    async validate(password, context) {
      const r = evaluate(password, context);
      // No breach lookup for a password already refused by the size guard or by a local rule:
      // it would leak a hash prefix of a value the user is about to change anyway.
      if (options.breach && r.normalized !== undefined && r.failures.length === 0) {
        try {
          const b = await options.breach.check(r.normalized, context?.signal);
          r.checks.breach = b.breached ? 'breached' : 'clean';
          if (b.breached) {
            const params = b.count !== undefined ? { count: b.count } : {};
            r.failures.push({
              code: 'breached',
              params,
              message: failureMessage('breached', params, r.locale),
            });
            r.suggestions.add('avoid_breached');
          }
        } catch {
          r.checks.breach = 'unavailable';
          if (whenUnavailable === 'refuse')
            r.failures.push({
              code: 'breach_unavailable',
              params: {},
              message: failureMessage('breach_unavailable', {}, r.locale),
            });
        }
      }
      return finish(r);
    },
  });
}
