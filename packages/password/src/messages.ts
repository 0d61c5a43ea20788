import type { PasswordFailureCode } from './policy.js';

/** Locales with a full catalog. English is the fallback; French is the first translation. */
export type PasswordLocale = 'en' | 'fr';

/** The locales shipped, in preference order. */
export const PASSWORD_LOCALES: readonly PasswordLocale[] = ['en', 'fr'];

/** Stable suggestion codes (ours, and zxcvbn-ts feedback mapped to ours). */
export type PasswordSuggestionCode =
  | 'use_longer'
  | 'use_passphrase'
  | 'add_words'
  | 'avoid_personal_info'
  | 'avoid_common'
  | 'avoid_breached'
  | 'avoid_predictable_substitutions'
  | 'avoid_reversed_words'
  | 'mix_case_inside'
  | 'capitalise_more_than_first'
  | 'avoid_dates'
  | 'avoid_recent_years'
  | 'avoid_associated_years'
  | 'avoid_sequences'
  | 'avoid_repeats'
  | 'use_longer_keyboard_pattern';

type Params = Readonly<Record<string, string | number>>;

/** A message catalog: one function per failure code and one string per suggestion code. */
export interface PasswordCatalog {
  readonly failures: { readonly [C in PasswordFailureCode]: (p: Params) => string };
  readonly suggestions: { readonly [C in PasswordSuggestionCode]: string };
}

const en: PasswordCatalog = {
  failures: {
    too_short: (p) => `Use at least ${p.min} characters (this one has ${p.length}).`,
    too_long: (p) => `Use at most ${p.max} characters.`,
    invisible_character: (p) =>
      `Remove the invisible character ${p.codePoint} (it cannot be seen or typed reliably).`,
    missing_upper: () => 'Add an upper-case letter.',
    missing_lower: () => 'Add a lower-case letter.',
    missing_digit: () => 'Add a digit.',
    missing_symbol: () => 'Add a symbol (a character that is neither a letter nor a digit).',
    common_password: () => 'This password is too common.',
    contains_context: (p) => `Do not use your ${fieldName('en', String(p.field))} in your password.`,
    too_weak: (p) =>
      `This password is too easy to guess (strength ${p.score} of 4, at least ${p.minScore} needed).`,
    breached: () => 'This password has appeared in a data breach; choose another one.',
    breach_unavailable: () => 'We could not check this password against known breaches; try again shortly.',
  },
  suggestions: {
    use_longer: 'Use a longer password.',
    use_passphrase: 'Use several unrelated words, a passphrase.',
    add_words: 'Add another word or two; uncommon words are better.',
    avoid_personal_info: 'Avoid your name, your e-mail address and the name of the service.',
    avoid_common: 'Avoid common passwords.',
    avoid_breached: 'Avoid passwords that have been exposed in breaches.',
    avoid_predictable_substitutions: "Avoid predictable substitutions like '@' for 'a'.",
    avoid_reversed_words: 'Avoid reversed spellings of common words.',
    mix_case_inside: 'Capitalise some, but not all, letters.',
    capitalise_more_than_first: 'Capitalise more than the first letter.',
    avoid_dates: 'Avoid dates and years associated with you.',
    avoid_recent_years: 'Avoid recent years.',
    avoid_associated_years: 'Avoid years associated with you.',
    avoid_sequences: 'Avoid sequences like abc or 6543.',
    avoid_repeats: 'Avoid repeated words and characters.',
    use_longer_keyboard_pattern: 'Use longer keyboard patterns and change typing direction several times.',
  },
};

const fr: PasswordCatalog = {
  failures: {
    too_short: (p) => `Utilisez au moins ${p.min} caractères (celui-ci en a ${p.length}).`,
    too_long: (p) => `Utilisez au plus ${p.max} caractères.`,
    invisible_character: (p) =>
      `Retirez le caractère invisible ${p.codePoint} (il ne se voit pas et ne se tape pas de façon fiable).`,
    missing_upper: () => 'Ajoutez une lettre majuscule.',
    missing_lower: () => 'Ajoutez une lettre minuscule.',
    missing_digit: () => 'Ajoutez un chiffre.',
    missing_symbol: () => 'Ajoutez un symbole (un caractère qui n’est ni une lettre ni un chiffre).',
    common_password: () => 'Ce mot de passe est trop courant.',
    contains_context: (p) => `N’utilisez pas ${fieldName('fr', String(p.field))} dans votre mot de passe.`,
    too_weak: (p) =>
      `Ce mot de passe est trop facile à deviner (robustesse ${p.score} sur 4, au moins ${p.minScore} requis).`,
    breached: () => 'Ce mot de passe figure dans une fuite de données ; choisissez-en un autre.',
    breach_unavailable: () =>
      'Nous n’avons pas pu vérifier ce mot de passe auprès des fuites connues ; réessayez dans un instant.',
  },
  suggestions: {
    use_longer: 'Utilisez un mot de passe plus long.',
    use_passphrase: 'Utilisez plusieurs mots sans rapport entre eux, une phrase de passe.',
    add_words: 'Ajoutez un ou deux mots ; les mots peu courants sont préférables.',
    avoid_personal_info: 'Évitez votre nom, votre adresse e-mail et le nom du service.',
    avoid_common: 'Évitez les mots de passe courants.',
    avoid_breached: 'Évitez les mots de passe exposés dans des fuites de données.',
    avoid_predictable_substitutions: 'Évitez les substitutions prévisibles comme « @ » pour « a ».',
    avoid_reversed_words: 'Évitez les mots courants écrits à l’envers.',
    mix_case_inside: 'Mettez certaines lettres en majuscules, mais pas toutes.',
    capitalise_more_than_first: 'Mettez en majuscule d’autres lettres que la première.',
    avoid_dates: 'Évitez les dates et les années qui vous sont associées.',
    avoid_recent_years: 'Évitez les années récentes.',
    avoid_associated_years: 'Évitez les années qui vous sont associées.',
    avoid_sequences: 'Évitez les suites comme abc ou 6543.',
    avoid_repeats: 'Évitez les mots et caractères répétés.',
    use_longer_keyboard_pattern:
      'Utilisez des motifs de clavier plus longs et changez plusieurs fois de direction.',
  },
};

const FIELD_NAMES: Record<PasswordLocale, Record<string, string>> = {
  en: { username: 'username', email: 'e-mail address', appName: 'the name of this service' },
  fr: { username: 'votre identifiant', email: 'votre adresse e-mail', appName: 'le nom de ce service' },
};

function fieldName(locale: PasswordLocale, field: string): string {
  return FIELD_NAMES[locale][field] ?? field;
}

/** The shipped catalogs. */
export const PASSWORD_CATALOGS: Readonly<Record<PasswordLocale, PasswordCatalog>> = Object.freeze({ en, fr });

/**
 * Picks a supported locale from a tag such as `fr-CA` or an `Accept-Language` value; falls back to
 * `fallback` (English by default).
 */
export function pickLocale(tag: string | undefined, fallback: PasswordLocale = 'en'): PasswordLocale {
  if (!tag) return fallback;
  for (const part of tag.slice(0, 256).split(',')) {
    const lang = part.trim().slice(0, 2).toLowerCase();
    if (lang === 'en' || lang === 'fr') return lang;
  }
  return fallback;
}

/** The message for a failure code in a locale. */
export function failureMessage(
  code: PasswordFailureCode,
  params: Params,
  locale: PasswordLocale = 'en',
): string {
  return PASSWORD_CATALOGS[locale].failures[code](params);
}

/**
 * The message for a suggestion code in a locale.
 *
 * @example
 * ```ts
 * result.suggestions.map((s) => suggestionMessage(s, 'fr'));
 * ```
 */
export function suggestionMessage(code: PasswordSuggestionCode, locale: PasswordLocale = 'en'): string {
  return PASSWORD_CATALOGS[locale].suggestions[code];
}

/** zxcvbn-ts feedback keys (untranslated mode) mapped to our suggestion codes. */
export const ZXCVBN_SUGGESTIONS: Readonly<Record<string, PasswordSuggestionCode>> = Object.freeze({
  l33t: 'avoid_predictable_substitutions',
  reverseWords: 'avoid_reversed_words',
  allUppercase: 'mix_case_inside',
  capitalization: 'capitalise_more_than_first',
  dates: 'avoid_dates',
  recentYears: 'avoid_recent_years',
  associatedYears: 'avoid_associated_years',
  sequences: 'avoid_sequences',
  repeated: 'avoid_repeats',
  longerKeyboardPattern: 'use_longer_keyboard_pattern',
  anotherWord: 'add_words',
  useWords: 'use_passphrase',
  pwned: 'avoid_breached',
});
