import { createRequire } from 'node:module';
import { type OptionsType, ZxcvbnFactory } from '@zxcvbn-ts/core';

/** zxcvbn-ts's options, as its factory takes them. */
export type ScorerOptions = OptionsType;

/** The zxcvbn-ts scorer: `check` returns exactly what zxcvbn-ts's own `check` returns. */
export type Scorer = Pick<ZxcvbnFactory, 'check'>;

type Ranked = Record<string, Record<string, number>>;
interface RangedDictionaries {
  rankedDictionaries: Ranked;
  rankedDictionariesMaxWordSize: Record<string, number>;
}
/** The instance members of zxcvbn-ts's dictionary matchers that the narrowing wraps. */
interface DictionaryMatcherInternals {
  getRangedDictionaries(userInputsOptions: unknown): RangedDictionaries;
}
interface FactoryInternals {
  options: {
    rankedDictionaries: Ranked;
    rankedDictionariesMaxWordSize: Record<string, number>;
    useLevenshteinDistance: boolean;
    l33tMaxSubstitutions: number;
    trieNodeRoot: unknown;
  };
  matching: {
    matchers: Record<string, object>;
    match(password: string, userInputsOptions: unknown): unknown;
  };
}
type CleanPasswords = (
  password: string,
  limit: number,
  trieRoot: unknown,
) => ReadonlyArray<{ password: string }>;

// zxcvbn-ts's own l33t unmunger (the package has no exports map; pinned by the differential test).
const requireZxcvbn = createRequire(import.meta.url);
const getCleanPasswords = requireZxcvbn(
  '@zxcvbn-ts/core/dist/matcher/dictionary/variants/matching/unmunger/getCleanPasswords.cjs',
) as CleanPasswords;

/**
 * zxcvbn-ts with its dictionary matchers narrowed per password. Profiles put most of a check in
 * zxcvbn-ts's dictionary matcher: every substring of the password (and of its reverse and of
 * each l33t variant, up to 12 scans per check) is looked up in each of the 38 dictionaries. Most
 * of those dictionaries hold no substring of a given password. Before each check this scorer
 * finds, with one lookup per substring in a set of every dictionary word, which dictionaries
 * hold a substring of any string the matchers will scan, and the longest such substring; the
 * matchers then scan only those dictionaries, up to that length. A dictionary left out cannot
 * produce a match, so matches, guesses, scores and feedback are zxcvbn-ts's own: the
 * differential test (test/scorer.test.ts) compares them with a plain zxcvbn-ts over a corpus
 * and random strings.
 */
export function createScorer(options: ScorerOptions): Scorer {
  const factory = new ZxcvbnFactory(options);
  const internals = factory as unknown as FactoryInternals;
  const o = internals.options;
  // Levenshtein matching compares the whole password with words it does not contain: narrowing
  // by substrings would change its results, so it runs unnarrowed.
  if (o.useLevenshteinDistance) return factory;

  const names = Object.keys(o.rankedDictionaries);
  const words = new Set<string>();
  let longest = 0;
  for (const name of names) {
    for (const w of Object.keys(o.rankedDictionaries[name]!)) words.add(w);
    longest = Math.max(longest, o.rankedDictionariesMaxWordSize[name] ?? 0);
  }

  /** For the strings the matchers will scan: longest substring found in each dictionary. */
  let hits: Map<string, number> | undefined;
  const scan = (s: string, into: Map<string, number>) => {
    const lower = s.toLowerCase();
    const n = lower.length;
    for (let i = 0; i < n; i++) {
      const end = Math.min(n, i + longest);
      for (let j = i + 1; j <= end; j++) {
        const sub = lower.slice(i, j);
        if (!words.has(sub)) continue;
        for (const name of names) {
          if (o.rankedDictionaries[name]![sub] !== undefined && (into.get(name) ?? 0) < j - i)
            into.set(name, j - i);
        }
      }
    }
  };

  const narrow = (all: RangedDictionaries): RangedDictionaries => {
    if (hits === undefined) return all;
    const rankedDictionaries: Ranked = {};
    const rankedDictionariesMaxWordSize: Record<string, number> = {};
    for (const name of Object.keys(all.rankedDictionaries)) {
      // Dictionaries built per check (the user inputs) are not in the index: kept whole.
      const known = o.rankedDictionaries[name] === all.rankedDictionaries[name];
      const width = known ? hits.get(name) : all.rankedDictionariesMaxWordSize[name];
      if (width === undefined) continue;
      rankedDictionaries[name] = all.rankedDictionaries[name]!;
      rankedDictionariesMaxWordSize[name] = width;
    }
    return { rankedDictionaries, rankedDictionariesMaxWordSize };
  };

  const wrap = (matcher: object) => {
    const m = matcher as DictionaryMatcherInternals;
    const own = m.getRangedDictionaries;
    m.getRangedDictionaries = function (this: DictionaryMatcherInternals, userInputsOptions) {
      return narrow(own.call(this, userInputsOptions));
    };
  };
  const matchers = internals.matching.matchers;
  for (const key of ['dictionary', 'dictionaryL33t', 'dictionaryReverse']) wrap(matchers[key]!);
  const wordSequence = matchers.wordSequence as Record<string, object> | undefined;
  if (wordSequence)
    for (const key of ['dictionary', 'dictionaryL33t', 'dictionaryReverse']) wrap(wordSequence[key]!);

  const matching = internals.matching;
  const match = matching.match;
  matching.match = function (this: FactoryInternals['matching'], password, userInputsOptions) {
    const found = new Map<string, number>();
    scan(password, found);
    // The reverse matcher reverses UTF-16 units, not code points: so does this.
    scan(password.split('').reverse().join(''), found);
    for (const v of getCleanPasswords(password, o.l33tMaxSubstitutions, o.trieNodeRoot))
      scan(v.password, found);
    hits = found;
    try {
      return match.call(this, password, userInputsOptions);
    } finally {
      hits = undefined;
    }
  };
  return factory;
}
