import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  failureMessage,
  PASSWORD_CATALOGS,
  PASSWORD_LOCALES,
  type PasswordFailureCode,
  type PasswordSuggestionCode,
  pickLocale,
  suggestionMessage,
  ZXCVBN_SUGGESTIONS,
} from '../src/index.js';

const FAILURES: PasswordFailureCode[] = [
  'too_short',
  'too_long',
  'invisible_character',
  'missing_upper',
  'missing_lower',
  'missing_digit',
  'missing_symbol',
  'common_password',
  'contains_context',
  'too_weak',
  'breached',
  'breach_unavailable',
];
const params = { min: 12, length: 3, max: 128, field: 'email', score: 1, minScore: 3, codePoint: 'U+200B' };

describe('message catalogs', () => {
  it('have a non-empty message for every failure code in every locale, with every parameter filled in', () => {
    for (const locale of PASSWORD_LOCALES) {
      for (const code of FAILURES) {
        const m = failureMessage(code, params, locale);
        expect(m.length).toBeGreaterThan(5);
        expect(m).not.toMatch(/undefined|\$\{/);
      }
    }
  });

  it('have the same failure and suggestion codes in en and fr, and fr differs from en', () => {
    expect(Object.keys(PASSWORD_CATALOGS.fr.failures).sort()).toEqual([...FAILURES].sort());
    expect(Object.keys(PASSWORD_CATALOGS.en.failures).sort()).toEqual([...FAILURES].sort());
    const en = Object.keys(PASSWORD_CATALOGS.en.suggestions).sort();
    expect(Object.keys(PASSWORD_CATALOGS.fr.suggestions).sort()).toEqual(en);
    for (const code of en as PasswordSuggestionCode[]) {
      expect(suggestionMessage(code, 'fr')).not.toBe(suggestionMessage(code, 'en'));
    }
  });

  it('map every zxcvbn-ts suggestion key to a code with messages', () => {
    for (const code of Object.values(ZXCVBN_SUGGESTIONS)) expect(suggestionMessage(code, 'fr')).toBeTruthy();
  });

  it('name the context field in the message, not the user data', () => {
    expect(failureMessage('contains_context', { field: 'email' }, 'fr')).toBe(
      'N’utilisez pas votre adresse e-mail dans votre mot de passe.',
    );
  });
});

describe('pickLocale', () => {
  it('reads an Accept-Language list and falls back to en', () => {
    expect(pickLocale('de-DE,fr;q=0.8')).toBe('fr');
    expect(pickLocale('FR')).toBe('fr');
    expect(pickLocale('de')).toBe('en');
    expect(pickLocale(undefined, 'fr')).toBe('fr');
  });

  it('always answers a shipped locale, whatever the header (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (tag) => {
        expect(['en', 'fr']).toContain(pickLocale(tag));
      }),
    );
  });
});
