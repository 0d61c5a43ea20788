import { createHash } from 'node:crypto';
import { ConfigError, checkOptions, createMemoryTtlStore, type KnownOptions } from '@portcullis/core';

/** Answer of a breach provider. */
export interface BreachCheck {
  readonly breached: boolean;
  /** Times seen in breaches, when the provider knows. */
  readonly count?: number | undefined;
}

/**
 * A source of known-breached passwords. `check` rejects when the source cannot answer; the
 * validator then applies its `whenBreachUnavailable` policy.
 */
export interface BreachProvider {
  readonly name: string;
  check(password: string, signal?: AbortSignal): Promise<BreachCheck>;
}

/** Upper-case hex SHA-1, the form Have I Been Pwned and its offline dumps use. */
export function sha1Hex(password: string): string {
  return createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
}

/**
 * Finds `suffix` (35 upper-case hex characters) in a range response (`SUFFIX:COUNT` lines).
 * Padding lines (count 0, sent because of `Add-Padding`) count as absent. Never throws on odd
 * input: the body comes from the network.
 */
export function findInRange(body: string, suffix: string): number {
  let from = 0;
  while (from < body.length) {
    const at = body.indexOf(suffix, from);
    if (at < 0) return 0;
    const lineStart = at === 0 || body[at - 1] === '\n';
    if (lineStart && body[at + suffix.length] === ':') {
      let end = body.indexOf('\n', at);
      if (end < 0) end = body.length;
      const count = Number.parseInt(body.slice(at + suffix.length + 1, end).trim(), 10);
      return Number.isFinite(count) && count > 0 ? count : 0;
    }
    from = at + 1;
  }
  return 0;
}

/** Options of {@link createHibpBreachProvider}. */
export interface HibpBreachProviderOptions {
  /** Base URL of the range API. Default `https://api.pwnedpasswords.com`. Tests point it at loopback. */
  baseUrl?: string | undefined;
  /** Deadline per request in ms. Default 1500: a slow third party must not hold a sign-up. */
  timeoutMs?: number | undefined;
  /** Prefixes kept in the LRU cache. Default 512 (about 16 MB of padded responses at most). */
  cacheMax?: number | undefined;
  /** How long a prefix stays cached, ms. Default 1 hour (the corpus changes rarely). */
  cacheTtlMs?: number | undefined;
  /** `User-Agent` sent (HIBP asks for one that names the app). Default `portcullis-password`. */
  userAgent?: string | undefined;
  /** The fetch to use. Default: global `fetch`. */
  fetch?: typeof fetch | undefined;
}

/**
 * Have I Been Pwned range client (k-anonymity): only the first 5 hex characters of the
 * password's SHA-1 leave the process, with `Add-Padding: true` so the response size does not
 * reveal the prefix's population (https://haveibeenpwned.com/API/v3#PwnedPasswordsPadding).
 * Responses are cached by prefix in a bounded LRU; concurrent checks of one prefix share a request.
 *
 * @example
 * ```ts
 * const validator = createPasswordValidator({ breach: createHibpBreachProvider() });
 * ```
 */
export function createHibpBreachProvider(options: HibpBreachProviderOptions = {}): BreachProvider {
  checkOptions('createHibpBreachProvider', options, {
    baseUrl: true,
    timeoutMs: true,
    cacheMax: true,
    cacheTtlMs: true,
    userAgent: true,
    fetch: true,
  } satisfies KnownOptions<HibpBreachProviderOptions>);
  const baseUrl = (options.baseUrl ?? 'https://api.pwnedpasswords.com').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 1500;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new ConfigError('hibp: timeoutMs must be positive');
  const doFetch = options.fetch ?? fetch;
  const userAgent = options.userAgent ?? 'portcullis-password';
  const cache = createMemoryTtlStore<string>({
    max: options.cacheMax ?? 512,
    ttlMs: options.cacheTtlMs ?? 3_600_000,
  });
  const inflight = new Map<string, Promise<string>>();

  const load = async (prefix: string, signal?: AbortSignal): Promise<string> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await doFetch(`${baseUrl}/range/${prefix}`, {
      headers: { 'Add-Padding': 'true', 'User-Agent': userAgent },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!res.ok) throw new Error(`hibp range answered ${res.status}`);
    const body = await res.text();
    cache.set(prefix, body);
    return body;
  };

  return {
    name: 'hibp',
    async check(password, signal) {
      const hash = sha1Hex(password);
      const prefix = hash.slice(0, 5);
      let body = cache.get(prefix);
      if (body === undefined) {
        let pending = inflight.get(prefix);
        if (!pending) {
          pending = load(prefix, signal).finally(() => inflight.delete(prefix));
          inflight.set(prefix, pending);
        }
        body = await pending;
      }
      const count = findInRange(body, hash.slice(5));
      return count > 0 ? { breached: true, count } : { breached: false };
    },
  };
}

/** Options of {@link createOfflineBreachProvider}. */
export interface OfflineBreachProviderOptions {
  /** Lines of an HIBP dump (`SHA1HEX[:COUNT]`) or bare SHA-1 hashes, any case. */
  sha1?: Iterable<string> | undefined;
  /** Plain passwords to refuse (hashed at start-up; only the hashes are kept). */
  passwords?: Iterable<string> | undefined;
}

/**
 * A breach provider over a local list (an HIBP download, or your own), for air-gapped
 * deployments and tests. Never unavailable.
 *
 * @example
 * ```ts
 * const breach = createOfflineBreachProvider({ sha1: readFileSync('pwned-top.txt', 'utf8').split('\n') });
 * ```
 */
export function createOfflineBreachProvider(options: OfflineBreachProviderOptions): BreachProvider {
  checkOptions('createOfflineBreachProvider', options, {
    sha1: true,
    passwords: true,
  } satisfies KnownOptions<OfflineBreachProviderOptions>);
  const known = new Map<string, number>();
  for (const line of options.sha1 ?? []) {
    const m = /^\s*([0-9a-fA-F]{40})(?::(\d+))?\s*$/.exec(line);
    if (m?.[1]) known.set(m[1].toUpperCase(), m[2] ? Number(m[2]) : 1);
  }
  for (const p of options.passwords ?? []) known.set(sha1Hex(p.normalize('NFKC')), 1);
  return {
    name: 'offline',
    async check(password) {
      const count = known.get(sha1Hex(password));
      return count !== undefined ? { breached: true, count } : { breached: false };
    },
  };
}
