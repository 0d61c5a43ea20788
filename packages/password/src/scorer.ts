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
 * hold a substring of each string the matchers will scan (the password, its reverse, each l33t
 * variant), and the longest such substring; each scan then covers only those dictionaries, up
 * to that length. A dictionary left out cannot
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
  const nameIndex = new Map(names.map((name, i) => [name, i]));
  // Each word maps to the set of dictionaries holding it, as an index into `sets` (a word is in
  // one to a few dictionaries, and few distinct sets exist): one Map lookup per substring tells
  // which dictionaries it hits, with no loop over the dictionaries.
  const setOf = new Map<string, number>();
  // sets[0..names.length-1] are the single dictionaries; a word met again in dictionary d moves
  // from its set to the set plus d, found through `grown` (key: set id * dictionaries + d): no key strings.
  const sets: number[][] = names.map((_, d) => [d]);
  const grown = new Map<number, number>();
  // The longest word starting with each 3 UTF-16 units: a substring can only be a word if a
  // word starts like it, so the scan at a position stops at that length (most stop at once).
  const longestFrom = new Map<string, number>();
  names.forEach((name, d) => {
    for (const w of Object.keys(o.rankedDictionaries[name]!)) {
      const id = setOf.get(w);
      if (id === undefined) setOf.set(w, d);
      else if (sets[id]!.at(-1) !== d) {
        let next = grown.get(id * names.length + d);
        if (next === undefined) {
          next = sets.length;
          sets.push([...sets[id]!, d]);
          grown.set(id * names.length + d, next);
        }
        setOf.set(w, next);
      }
      if (w.length >= 3) {
        const head = w.slice(0, 3);
        if ((longestFrom.get(head) ?? 0) < w.length) longestFrom.set(head, w.length);
      }
    }
  });
  /** Per dictionary (by index), the length of the longest substring found in it; 0: none. */
  type Hits = Int32Array;

  /**
   * What one check will scan, each string with the longest substring of it found in each
   * dictionary: the password, its reverse, and its l33t variants in the order zxcvbn-ts's l33t
   * matcher takes them (it calls the dictionary scan once per variant, in that order, and may
   * stop early). `union` covers them all, the fallback if a matcher ever scans more variants.
   */
  let plan:
    | {
        plain: Hits;
        reversed: Hits;
        variants: Hits[];
        union: Hits;
        /** Variants each l33t matcher has scanned so far in this check. */
        cursor: Map<object, number>;
      }
    | undefined;
  const record = (sub: string, into: Hits) => {
    const id = setOf.get(sub);
    if (id === undefined) return;
    for (const d of sets[id]!) if (into[d]! < sub.length) into[d] = sub.length;
  };
  const scan = (s: string, into: Hits) => {
    const lower = s.toLowerCase();
    const n = lower.length;
    for (let i = 0; i < n; i++) {
      record(lower.slice(i, i + 1), into);
      if (i + 2 <= n) record(lower.slice(i, i + 2), into);
      const end = Math.min(n, i + (longestFrom.get(lower.slice(i, i + 3)) ?? 0));
      for (let j = i + 3; j <= end; j++) record(lower.slice(i, j), into);
    }
  };

  const narrow = (all: RangedDictionaries, hits: Hits): RangedDictionaries => {
    const rankedDictionaries: Ranked = {};
    const rankedDictionariesMaxWordSize: Record<string, number> = {};
    for (const name of Object.keys(all.rankedDictionaries)) {
      // Dictionaries built per check (the user inputs) are not in the index: kept whole.
      const known = o.rankedDictionaries[name] === all.rankedDictionaries[name];
      const width = known ? hits[nameIndex.get(name)!] : all.rankedDictionariesMaxWordSize[name];
      if (width === undefined || width === 0) continue;
      rankedDictionaries[name] = all.rankedDictionaries[name]!;
      rankedDictionariesMaxWordSize[name] = width;
    }
    return { rankedDictionaries, rankedDictionariesMaxWordSize };
  };

  type Kind = 'plain' | 'reversed' | 'l33t';
  const hitsFor = (matcher: object, kind: Kind): Hits | undefined => {
    if (plan === undefined) return undefined;
    if (kind === 'plain') return plan.plain;
    if (kind === 'reversed') return plan.reversed;
    const k = plan.cursor.get(matcher) ?? 0;
    plan.cursor.set(matcher, k + 1);
    return plan.variants[k] ?? plan.union;
  };
  const wrap = (matcher: object, kind: Kind) => {
    const m = matcher as DictionaryMatcherInternals;
    const own = m.getRangedDictionaries;
    m.getRangedDictionaries = function (this: DictionaryMatcherInternals, userInputsOptions) {
      const all = own.call(this, userInputsOptions);
      const hits = hitsFor(matcher, kind);
      return hits === undefined ? all : narrow(all, hits);
    };
  };
  const kinds: [string, Kind][] = [
    ['dictionary', 'plain'],
    ['dictionaryL33t', 'l33t'],
    ['dictionaryReverse', 'reversed'],
  ];
  const matchers = internals.matching.matchers;
  const wordSequence = matchers.wordSequence as Record<string, object> | undefined;
  for (const [key, kind] of kinds) {
    wrap(matchers[key]!, kind);
    if (wordSequence) wrap(wordSequence[key]!, kind);
  }

  const matching = internals.matching;
  const match = matching.match;
  matching.match = function (this: FactoryInternals['matching'], password, userInputsOptions) {
    const union: Hits = new Int32Array(names.length);
    const hitsOf = (s: string) => {
      const found: Hits = new Int32Array(names.length);
      scan(s, found);
      for (let d = 0; d < found.length; d++) if (union[d]! < found[d]!) union[d] = found[d]!;
      return found;
    };
    // zxcvbn-ts's repeat matcher scores a repeated base token by running the whole matching
    // again on it, inside this call: the outer plan is put back when that inner check ends.
    const outer = plan;
    plan = {
      plain: hitsOf(password),
      // The reverse matcher reverses UTF-16 units, not code points: so does this.
      reversed: hitsOf(password.split('').reverse().join('')),
      variants: getCleanPasswords(password, o.l33tMaxSubstitutions, o.trieNodeRoot).map((v) =>
        hitsOf(v.password),
      ),
      union,
      cursor: new Map(),
    };
    try {
      return match.call(this, password, userInputsOptions);
    } finally {
      plan = outer;
    }
  };
  return factory;
}
