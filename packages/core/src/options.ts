import { ConfigError } from './errors.js';

/**
 * Every option name a factory accepts, each mapped to `true`. Written
 * `{ ... } as const satisfies KnownOptions<XOptions>` beside the factory, so an option added to
 * the interface and not to the list (or the reverse) fails to compile.
 */
export type KnownOptions<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Edit distance with adjacent transpositions (optimal string alignment), case-insensitive:
 * `nsit` is one edit from `nist`. Option names are short, so a plain O(n·m) table.
 */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const rows: number[][] = [Array.from({ length: y.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    const prev = rows[i - 1]!;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row[j] = d;
    }
    rows.push(row);
  }
  return rows[x.length]![y.length]!;
}

/** True when every character of `short` appears in `long`, in order (`onError` in `onListenerError`). */
function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

/**
 * The valid name closest to `name`, when it is close enough to be a typo: at most a third of
 * the name's length in edits (at least 1), or, failing that, a valid name that holds all of
 * `name`'s letters in order or whose letters `name` holds (`stor` → `store`, `onError` →
 * `onListenerError`, `maxEntries` → `max`).
 */
export function nearestName(name: string, valid: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let bestHolding: string | undefined;
  let bestHoldingDistance = Number.POSITIVE_INFINITY;
  for (const candidate of valid) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
    const other = candidate.toLowerCase();
    const holds = isSubsequence(lower, other) || isSubsequence(other, lower);
    if (lower.length >= 3 && other.length >= 3 && d < bestHoldingDistance && holds) {
      bestHolding = candidate;
      bestHoldingDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : bestHolding;
}

/** A key's printable form: bounded, so a hostile object cannot flood a log line. */
const shown = (key: string): string => JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);

/**
 * The one start-up check of a factory's options object, for callers in plain JavaScript (and
 * TypeScript callers who spread an object of the wrong shape): `options` must be an object (or
 * undefined), and every key in it must be one the factory knows. A misspelt key would otherwise be
 * ignored in silence (`portcullis({ rateLimits })` is an app with no rate limiting at all), so it
 * throws a {@link ConfigError} naming the key and the nearest valid one. `renamed` maps names other
 * libraries use for the same thing (`max` in express-rate-limit) to ours. Runs once, at creation.
 *
 * @example
 * ```ts
 * const KNOWN = { store: true, clock: true } as const satisfies KnownOptions<MyOptions>;
 * export function createThing(options: MyOptions = {}) {
 *   checkOptions('createThing', options, KNOWN);
 * }
 * // createThing({ stor: redisStore }) -> ConfigError: createThing: unknown option "stor"; did you mean "store"?
 * ```
 */
export function checkOptions(
  name: string,
  options: unknown,
  known: Readonly<Record<string, true>>,
  renamed: Readonly<Record<string, string>> = {},
): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigError(`${name}: options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const valid = Object.keys(known);
    const suggestion = Object.hasOwn(renamed, key) ? renamed[key] : nearestName(key, valid);
    throw new ConfigError(
      suggestion !== undefined
        ? `${name}: unknown option ${shown(key)}; did you mean ${shown(suggestion)}?`
        : `${name}: unknown option ${shown(key)}; valid options are ${valid.join(', ')}`,
      { option: key, suggestion },
    );
  }
}

/**
 * Throws the {@link ConfigError} for a required option that is missing (undefined or null), with
 * `hint` saying what to pass. A missing option would otherwise surface later as a raw TypeError
 * (`Cannot read properties of undefined`) far from the cause.
 */
export function requireOption(name: string, options: object, key: string, hint: string): void {
  const value = (options as Record<string, unknown>)[key];
  if (value === undefined || value === null)
    throw new ConfigError(`${name}: option ${shown(key)} is required: ${hint}`, { option: key });
}

/** A short type description of a value, for error messages (never the value itself: it may be a secret). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  return typeof value === 'object'
    ? `an object (${value.constructor?.name ?? 'null prototype'})`
    : `a ${typeof value}`;
}

/**
 * Throws the {@link ConfigError} for an argument that lacks the methods a factory will call on it:
 * a rule table where a compiled policy is expected, a Promise where a service is (a forgotten
 * `await`). Without it the mistake surfaces at the first request as `x.check is not a function`.
 */
export function requireMethods(
  name: string,
  value: unknown,
  methods: readonly string[],
  expected: string,
): void {
  const target = value as Record<string, unknown> | null | undefined;
  if (typeof target?.then === 'function')
    throw new ConfigError(`${name}: got a Promise where ${expected} is expected: await it first`);
  if (target === null || target === undefined || methods.some((m) => typeof target[m] !== 'function'))
    throw new ConfigError(`${name}: expected ${expected}, got ${describeValue(value)}`);
}
