import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPOSITION_POLICY,
  codePointLength,
  createOfflineBreachProvider,
  createPasswordValidator,
  type PasswordPolicy,
  resolvePolicy,
} from '../src/index.js';

const composition = createPasswordValidator({ appName: 'Portcullis' });
const nist = createPasswordValidator({ policy: 'nist', appName: 'Portcullis' });
const STRONG = 'Violet-Tramway-Quiche-42';
const codes = (r: { failures: readonly { code: string }[] }) => r.failures.map((f) => f.code);

describe('createPasswordValidator (composition preset)', () => {
  it('accepts a strong 12+ character password with upper, lower and digit', () => {
    const r = composition.validateSync(STRONG);
    expect(r).toMatchObject({ ok: true, failures: [] });
    expect(r.score).toBeGreaterThanOrEqual(3);
    expect(r.checks).toEqual({
      length: 'pass',
      characters: 'pass',
      composition: 'pass',
      blocklist: 'pass',
      context: 'pass',
      strength: 'pass',
      breach: 'skipped',
    });
  });

  it('refuses 11 characters and reports min and actual length', () => {
    const r = composition.validateSync('Qz8#vLp2!wR');
    expect(r.ok).toBe(false);
    expect(r.failures[0]).toMatchObject({ code: 'too_short', params: { min: 12, length: 11 } });
  });

  it('accepts exactly 12 characters when everything else holds', () => {
    expect(codes(composition.validateSync('Qz8#vLp2!wRk'))).not.toContain('too_short');
  });

  it('lists every failure at once: no upper, no digit, too short, too weak', () => {
    expect(codes(composition.validateSync('abcdefgh'))).toEqual([
      'too_short',
      'missing_upper',
      'missing_digit',
      'too_weak',
    ]);
  });

  it('requires a lower-case letter', () => {
    expect(codes(composition.validateSync('QZ8#VLP2!WRK7%'))).toContain('missing_lower');
  });

  it('refuses a password from the common-password blocklist, case-insensitively', () => {
    const r = composition.validateSync('PASSWORD1234');
    expect(codes(r)).toContain('common_password');
    expect(r.checks.blocklist).toBe('fail');
    expect(r.suggestions).toContain('avoid_common');
  });

  it('refuses a password from a custom blocklist', () => {
    const v = createPasswordValidator({ blocklist: ['Violet-Tramway-Quiche-42'] });
    expect(codes(v.validateSync(STRONG))).toEqual(['common_password']);
  });

  it('refuses a password containing the username, the e-mail local part or the app name', () => {
    expect(
      composition.validateSync('Xq9!alicewonder7Z', { username: 'AliceWonder' }).failures[0],
    ).toMatchObject({
      code: 'contains_context',
      params: { field: 'username' },
    });
    expect(
      codes(composition.validateSync('Bobby.Tables#2026x', { email: 'bobby.tables@example.com' })),
    ).toContain('contains_context');
    expect(codes(composition.validateSync('MyPortcullis!99x'))).toContain('contains_context');
  });

  it('refuses a long but guessable password with too_weak and zxcvbn suggestions as codes', () => {
    const r = composition.validateSync('Summer2024Summer2024');
    expect(r.checks.strength).toBe('fail');
    expect(r.failures.find((f) => f.code === 'too_weak')?.params).toEqual({ score: r.score, minScore: 3 });
    expect(r.suggestions).toContain('avoid_repeats');
  });

  it('ignores context words shorter than 3 characters', () => {
    expect(composition.validateSync(STRONG, { username: 'Vi' }).ok).toBe(true);
  });
});

describe('createPasswordValidator (nist preset)', () => {
  it('has no composition rule: an all-lower-case 15+ passphrase passes', () => {
    const r = nist.validateSync('violet tramway quiche');
    expect(r.ok).toBe(true);
    expect(r.checks.composition).toBe('skipped');
  });

  it('asks 15 characters single-factor but 8 with MFA', () => {
    expect(nist.validateSync('zq7vkp2xwr9m').failures[0]).toMatchObject({
      code: 'too_short',
      params: { min: 15 },
    });
    expect(codes(nist.validateSync('zq7vkp2xwr9m', { mfa: true }))).not.toContain('too_short');
  });

  it('still checks the blocklist', () => {
    expect(codes(nist.validateSync('passwordpassword'))).toContain('common_password');
  });
});

describe('Unicode', () => {
  it('counts an emoji as one character', () => {
    expect(codePointLength('😀')).toBe(1);
    const r = composition.validateSync('Aa1😀😀😀😀😀😀😀😀');
    expect(r.failures[0]).toMatchObject({ code: 'too_short', params: { length: 11 } });
  });

  it('counts É as an upper-case letter', () => {
    expect(codes(composition.validateSync('école-verte-42-É'))).not.toContain('missing_upper');
    expect(codes(composition.validateSync('école-verte-42-é'))).toContain('missing_upper');
  });

  it('treats composed and decomposed forms alike (NFKC)', () => {
    const composed = 'Élan-Vital-Quiche-42';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(composition.validateSync(decomposed)).toEqual(composition.validateSync(composed));
  });

  it('counts full-width digits as digits after NFKC', () => {
    expect(codes(composition.validateSync('Violet-Tramway-Quiche-４２'))).not.toContain('missing_digit');
  });

  it('counts digits of other scripts by category (\\p{Nd})', () => {
    expect(codes(composition.validateSync('Violet-Tramway-Quiche-٤٢'))).not.toContain('missing_digit');
  });
});

describe('size guard', () => {
  it('accepts 64 characters', () => {
    const r = composition.validateSync(`Aa1-${'violet tramway quiche '.repeat(3)}`.padEnd(64, 'z'));
    expect(codes(r)).not.toContain('too_long');
  });

  it('accepts 128 and refuses 129 characters', () => {
    const base = 'Violet-Tramway-Quiche-42 ';
    expect(codes(composition.validateSync(base.repeat(6).slice(0, 128)))).not.toContain('too_long');
    expect(codes(composition.validateSync(base.repeat(6).slice(0, 129)))).toEqual(['too_long']);
  });

  it('refuses a 1 MB input before normalising or scoring', () => {
    const r = composition.validateSync('Aa1'.repeat(350_000));
    expect(r.failures).toEqual([
      { code: 'too_long', params: { max: 128 }, message: 'Use at most 128 characters.' },
    ]);
    expect(r.checks).toMatchObject({ length: 'fail', composition: 'skipped', strength: 'skipped' });
  });

  it('never throws and always bounds its answer (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        const r = composition.validateSync(s);
        expect(r.ok).toBe(r.failures.length === 0);
        expect(r.score).toBeGreaterThanOrEqual(0);
        expect(r.score).toBeLessThanOrEqual(4);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a non-string with ERR_INPUT_INVALID', () => {
    expect(() => composition.validateSync(42 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INPUT_INVALID' }),
    );
  });
});

describe('breach check', () => {
  const breach = createOfflineBreachProvider({ passwords: [STRONG] });
  it('reports breached with the failure code and the suggestion', async () => {
    const v = createPasswordValidator({ breach });
    const r = await v.validate(STRONG);
    expect(r.checks.breach).toBe('breached');
    expect(codes(r)).toEqual(['breached']);
    expect(r.suggestions).toContain('avoid_breached');
  });

  it('reports clean for a password not on the list', async () => {
    const r = await createPasswordValidator({ breach }).validate('Ochre-Lantern-Fjord-77');
    expect(r).toMatchObject({ ok: true, checks: { breach: 'clean' } });
  });

  it('accepts with breach "unavailable" when the provider fails, by default', async () => {
    const down = { name: 'down', check: () => Promise.reject(new Error('boom')) };
    const r = await createPasswordValidator({ breach: down }).validate(STRONG);
    expect(r).toMatchObject({ ok: true, checks: { breach: 'unavailable' } });
  });

  it('refuses with breach_unavailable when told to', async () => {
    const down = { name: 'down', check: () => Promise.reject(new Error('boom')) };
    const r = await createPasswordValidator({ breach: down, whenBreachUnavailable: 'refuse' }).validate(
      STRONG,
    );
    expect(codes(r)).toEqual(['breach_unavailable']);
  });

  it('skips the lookup for a password a local rule already refused', async () => {
    let calls = 0;
    const spy = {
      name: 'spy',
      check: async () => {
        calls++;
        return { breached: false };
      },
    };
    const r = await createPasswordValidator({ breach: spy }).validate('short');
    expect(r.checks.breach).toBe('skipped');
    expect(calls).toBe(0);
  });
});

describe('messages', () => {
  it('answers in French when the call asks for fr (fr-CA too)', () => {
    const r = composition.validateSync('abc', { locale: 'fr-CA' });
    expect(r.locale).toBe('fr');
    expect(r.failures[0]?.message).toBe('Utilisez au moins 12 caractères (celui-ci en a 3).');
  });

  it('falls back to English for an unknown locale', () => {
    expect(composition.validateSync('abc', { locale: 'de' }).failures[0]?.message).toBe(
      'Use at least 12 characters (this one has 3).',
    );
  });
});

describe('resolvePolicy', () => {
  it('refuses a maximum under 64 (NIST)', () => {
    expect(() => resolvePolicy({ ...COMPOSITION_POLICY, maxLength: 32 })).toThrow(/maxLength/);
  });

  it('composes custom rules: a symbol requirement', () => {
    const strict: PasswordPolicy = { ...COMPOSITION_POLICY, name: 'strict', composition: { symbol: true } };
    const v = createPasswordValidator({ policy: strict });
    expect(codes(v.validateSync('VioletTramwayQuiche42'))).toEqual(['missing_symbol']);
    expect(v.validateSync(STRONG).ok).toBe(true);
  });

  it('refuses an unknown preset', () => {
    expect(() => resolvePolicy('lax' as 'nist')).toThrow(/unknown preset/);
  });
});

describe('invisible format characters (Unicode category Cf)', () => {
  // Every Cf code point: U+00AD, U+200B..U+200F, U+2060.., U+FEFF, bidi controls, tags...
  const CF: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    if (/\p{Cf}/u.test(ch)) CF.push(ch);
  }

  it('refuses pass\u200Bword123456789 like password123456789 (the zero-width space no longer scores)', () => {
    expect(nist.validateSync('password123456789').ok).toBe(false);
    const r = nist.validateSync('pass\u200Bword123456789');
    expect(r.ok).toBe(false);
    expect(r.checks.characters).toBe('fail');
    expect(r.failures).toContainEqual(
      expect.objectContaining({
        code: 'invisible_character',
        params: { codePoint: 'U+200B' },
        message: 'Remove the invisible character U+200B (it cannot be seen or typed reliably).',
      }),
    );
  });

  it('refuses a strong password with any Cf character anywhere, in both presets (property)', () => {
    expect(CF.length).toBeGreaterThan(150);
    fc.assert(
      fc.property(fc.constantFrom(...CF), fc.nat({ max: STRONG.length }), (ch, at) => {
        const pw = STRONG.slice(0, at) + ch + STRONG.slice(at);
        for (const v of [composition, nist]) {
          const r = v.validateSync(pw);
          expect(r.ok).toBe(false);
          expect(codes(r)).toContain('invisible_character');
        }
      }),
      { numRuns: 25 },
    );
  });

  it('still accepts visible non-ASCII passwords (accents, CJK, emoji without joiners)', () => {
    for (const pw of ['Château-Tramway-Quiche-42', '紫の路面電車とキッシュ42', 'Violet🚋Tramway🥧Quiche42'])
      expect(composition.validateSync(pw).checks.characters).toBe('pass');
  });
});
