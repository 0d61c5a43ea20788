import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';
import * as zxcvbnFr from '@zxcvbn-ts/language-fr';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPasswordValidator } from '../src/index.js';
import { createScorer } from '../src/scorer.js';

// The validator's scoring options (validator.ts): the same on both sides of the comparison.
const options = {
  dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary, ...zxcvbnFr.dictionary },
  graphs: zxcvbnCommon.adjacencyGraphs,
  l33tMaxSubstitutions: 4,
  maxLength: 128,
};
// The oracle: zxcvbn-ts as it ships, nothing narrowed.
const raw = new ZxcvbnFactory(options);
const fast = createScorer(options);

/** Everything zxcvbn-ts derives from its matches: equal here means the matching was equal. */
function outcome(z: Pick<ZxcvbnFactory, 'check'>, password: string, inputs: string[]) {
  const r = z.check(password, inputs);
  return {
    score: r.score,
    guesses: r.guesses,
    guessesLog10: r.guessesLog10,
    sequence: r.sequence,
    feedback: r.feedback,
  };
}

const CORPUS = [
  '',
  'a',
  'abc',
  'hunter2',
  'Tr0ub4!',
  'Zq9#',
  'letmein',
  'Azerty1',
  'Violet-Tramway-Quiche-42',
  'Summer2024!Paris',
  'Tr0ub4dour&3xyz',
  'MaisonBleue1987',
  'correct horse battery staple',
  'Password12345678',
  'JeSuisLa!2026',
  'qwertyuiop123A',
  'Blue-Moon-Rising-7',
  'Ch@ton-Gris-Nuit-88',
  'Alice.Wonderland2',
  'zN4#pL9!wQ2&xR7',
  'P@$$w0rd'.repeat(8),
  '4@$0!1|3'.repeat(8),
  'drowssap',
  'p4ssw0rd',
  '1qaz2wsx3edc',
  'oneTwoThree',
  'fourFiveSix-seven',
  'portcullis2026',
  'Portcu11is!',
  'ÉcoleNormale',
  'İstanbulİzmir',
  'straße-Straße',
  '😀passw😀rd',
  'mot de passe',
  'Janvier1990',
];

describe('createScorer (differential against zxcvbn-ts)', () => {
  it('gives the score, guesses, match sequence and feedback of zxcvbn-ts on the corpus', () => {
    for (const p of CORPUS) {
      expect(outcome(fast, p, ['portcullis']), p).toEqual(outcome(raw, p, ['portcullis']));
      expect(outcome(fast, p, []), p).toEqual(outcome(raw, p, []));
    }
  });

  it('and on random strings built from words, l33t characters, separators and any Unicode', () => {
    const word = fc.constantFrom(
      ...zxcvbnCommon.dictionary['passwords-common'].slice(0, 300).map(String),
      ...zxcvbnEn.dictionary['commonWords-en'].slice(0, 300).map(String),
      ...zxcvbnFr.dictionary['firstnames-fr'].slice(0, 100).map(String),
    );
    const l33t = fc.constantFrom(
      '4',
      '@',
      '3',
      '1',
      '!',
      '|',
      '0',
      '$',
      '5',
      '7',
      '+',
      '8',
      '9',
      '2',
      '(',
      '<',
    );
    const sep = fc.constantFrom('-', '_', '.', ' ', '', '!', '#');
    const part = fc.oneof(
      word,
      word.map((w) => w.toUpperCase()),
      l33t,
      sep,
      fc.string({ maxLength: 4, unit: 'grapheme' }),
    );
    const password = fc.array(part, { maxLength: 8 }).map((parts) => parts.join('').slice(0, 64));
    const inputs = fc.array(fc.oneof(word, fc.string({ maxLength: 8 })), { maxLength: 3 });
    fc.assert(
      fc.property(password, inputs, (p, u) => {
        expect(outcome(fast, p, u)).toEqual(outcome(raw, p, u));
      }),
      { numRuns: 120 },
    );
  }, 180_000);
});

describe('createPasswordValidator scoring work (issue 18: p99 was 11 ms on typical passwords)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('scans only the dictionaries that hold a substring of the password', { timeout: 60_000 }, () => {
    // zxcvbn-ts's dictionary matcher class, shared by every factory (the validator's included).
    const dictionaryMatcher = (raw as unknown as { matching: { matchers: Record<string, object> } }).matching
      .matchers.dictionary!;
    const proto = Object.getPrototypeOf(dictionaryMatcher) as {
      match(this: { getRangedDictionaries(u: unknown): { rankedDictionaries: object } }, o: object): unknown;
    };
    let scanned = 0;
    let passes = 0;
    const match = proto.match;
    vi.spyOn(proto, 'match').mockImplementation(function (this: never, o: { userInputsOptions?: unknown }) {
      const self = this as { getRangedDictionaries(u: unknown): { rankedDictionaries: object } };
      passes++;
      scanned += Object.keys(self.getRangedDictionaries(o.userInputsOptions).rankedDictionaries).length;
      return match.call(self, o);
    });
    const validator = createPasswordValidator({ appName: 'Portcullis' });
    for (const p of ['Violet-Tramway-Quiche-42', 'Summer2024!Paris', 'correct horse battery staple']) {
      scanned = 0;
      passes = 0;
      validator.validateSync(p);
      // zxcvbn-ts scans all 39 dictionaries (38 and the user inputs) on each of its 9 to 18
      // passes (the password, its reverse, each l33t variant, and again for word sequences).
      expect(passes, p).toBeGreaterThan(0);
      expect(scanned / (passes * 39), p).toBeLessThan(0.4);
    }
  });
});
