import { ConfigError, nearestName } from '@portcullis/core';

/** Stable codes of the rules a password can fail. Never renamed; each has an en and fr message. */
export type PasswordFailureCode =
  | 'too_short'
  | 'too_long'
  | 'invisible_character'
  | 'missing_upper'
  | 'missing_lower'
  | 'missing_digit'
  | 'missing_symbol'
  | 'common_password'
  | 'contains_context'
  | 'too_weak'
  | 'breached'
  | 'breach_unavailable';

/** One failed rule. `params` are the numbers a message needs (never the password itself). */
export interface PasswordFailure {
  readonly code: PasswordFailureCode;
  readonly params: Readonly<Record<string, string | number>>;
  /** The message in the locale of the call. */
  readonly message: string;
}

/** What happened to one check: it passed, failed, or did not run (not in the policy, or skipped after the size guard). */
export type CheckOutcome = 'pass' | 'fail' | 'skipped';

/** Outcome of the breach check. */
export type BreachOutcome = 'clean' | 'breached' | 'unavailable' | 'skipped';

/** Which composition classes a policy requires, by Unicode category. */
export interface CompositionRule {
  /** At least one `\p{Lu}` (É counts). */
  upper?: boolean | undefined;
  /** At least one `\p{Ll}`. */
  lower?: boolean | undefined;
  /** At least one `\p{Nd}` (any script's decimal digits). */
  digit?: boolean | undefined;
  /** At least one character that is not a letter, a digit or a space. */
  symbol?: boolean | undefined;
}

/** A password policy. Presets are plain values of this type; custom policies compose the same rules. */
export interface PasswordPolicy {
  /** Name shown in logs and results. */
  readonly name: string;
  /** Minimum length in code points (after NFKC). */
  readonly minLength: number;
  /** Minimum length when the account has a second factor (NIST: 8). Default: `minLength`. */
  readonly minLengthWithMfa?: number | undefined;
  /** Maximum length in code points; at least 64 (NIST SP 800-63B rev. 4 §3.1.1.2). */
  readonly maxLength: number;
  readonly composition: Readonly<CompositionRule>;
  /** Refuse passwords on the common-password blocklist. */
  readonly blocklist: boolean;
  /** Refuse passwords containing the username, the e-mail local part or the app name. */
  readonly context: boolean;
  /** Minimum zxcvbn score, 0..4 (0: no strength rule). */
  readonly minScore: 0 | 1 | 2 | 3 | 4;
}

/**
 * The composition rule: 12+ characters with an upper-case letter, a lower-case letter and a
 * digit; plus blocklist, context words and a zxcvbn score of 3 ("safely unguessable", the
 * threshold OWASP Authentication Cheat Sheet points to). The default preset, preset name
 * `composition`. For NIST's length-only rule, use {@link NIST_POLICY}.
 */
export const COMPOSITION_POLICY: PasswordPolicy = Object.freeze({
  name: 'composition',
  minLength: 12,
  maxLength: 128,
  composition: Object.freeze({ upper: true, lower: true, digit: true }),
  blocklist: true,
  context: true,
  minScore: 3,
});

/**
 * NIST SP 800-63B rev. 4 §3.1.1.2: 15+ characters for a single-factor password, 8+ when it is
 * one factor of several, at least 64 accepted, no composition rules, a blocklist of common,
 * expected or compromised values (context words included).
 */
export const NIST_POLICY: PasswordPolicy = Object.freeze({
  name: 'nist',
  minLength: 15,
  minLengthWithMfa: 8,
  maxLength: 128,
  composition: Object.freeze({}),
  blocklist: true,
  context: true,
  minScore: 3,
});

/**
 * The same policy as {@link COMPOSITION_POLICY}, under its first name.
 *
 * @deprecated Renamed to {@link COMPOSITION_POLICY} (preset name `composition`), which says what
 * it is. This alias is the same object and will be removed in the next major version.
 */
export const BACKLOG_POLICY: PasswordPolicy = COMPOSITION_POLICY;

/**
 * Names of the built-in presets. `backlog` is the deprecated first name of `composition` (same
 * policy); it will be removed in the next major version.
 */
export type PasswordPolicyPreset = 'composition' | 'nist' | 'backlog';

/** The presets by name. */
export const PASSWORD_POLICIES: Readonly<Record<PasswordPolicyPreset, PasswordPolicy>> = Object.freeze({
  composition: COMPOSITION_POLICY,
  nist: NIST_POLICY,
  backlog: COMPOSITION_POLICY,
});

/**
 * Resolves a preset name or checks a custom policy. Throws `ConfigError` at start-up for a
 * policy that would refuse every password or accept unbounded input.
 *
 * @example
 * ```ts
 * const policy = resolvePolicy({ ...COMPOSITION_POLICY, name: 'strict', minLength: 16, composition: { symbol: true } });
 * ```
 */
export function resolvePolicy(policy: PasswordPolicyPreset | PasswordPolicy | undefined): PasswordPolicy {
  if (policy === undefined) return COMPOSITION_POLICY;
  if (typeof policy === 'string') {
    const found = Object.hasOwn(PASSWORD_POLICIES, policy) ? PASSWORD_POLICIES[policy] : undefined;
    if (!found) {
      const near = nearestName(String(policy), ['composition', 'nist']);
      throw new ConfigError(
        `password policy: unknown preset "${String(policy).slice(0, 64)}"${near ? `; did you mean "${near}"?` : ' (presets: composition, nist)'}`,
        { option: 'policy', suggestion: near },
      );
    }
    return found;
  }
  const { minLength, maxLength, minScore } = policy;
  if (!Number.isInteger(minLength) || minLength < 1)
    throw new ConfigError('password policy: minLength must be a positive integer');
  if (!Number.isInteger(maxLength) || maxLength < 64 || maxLength > 1024)
    throw new ConfigError(
      'password policy: maxLength must be an integer in 64..1024 (NIST: accept at least 64)',
    );
  if (minLength > maxLength) throw new ConfigError('password policy: minLength exceeds maxLength');
  const mfa = policy.minLengthWithMfa;
  if (mfa !== undefined && (!Number.isInteger(mfa) || mfa < 1 || mfa > minLength))
    throw new ConfigError('password policy: minLengthWithMfa must be an integer in 1..minLength');
  if (![0, 1, 2, 3, 4].includes(minScore)) throw new ConfigError('password policy: minScore must be 0..4');
  return policy;
}
