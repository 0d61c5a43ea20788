/** Longest path considered; longer paths are cut (bounded work per request). */
const MAX_PATH_LENGTH = 2048;

const UNRESERVED = /%(2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aA]|5[fF]|6[1-9a-fA-F]|7[0-9aA]|7[eE])/g;

/**
 * The path as rules see it: no scheme and authority (absolute-form targets), no query or
 * fragment, percent-encoded unreserved characters decoded (RFC 3986 section 6.2.2.2: `%6Cogin` is `login`), repeated slashes collapsed, no
 * trailing slash, lower case unless `caseSensitive`. Express and Fastify route `/Auth/login/`
 * and `//auth//login` to the same handler by default, so the limiter must not see them as
 * different routes: that would be a free bypass of the login limit.
 */
export function normalisePath(raw: string, caseSensitive = false): string {
  let p = raw.length > MAX_PATH_LENGTH ? raw.slice(0, MAX_PATH_LENGTH) : raw;
  const q = p.search(/[?#]/);
  if (q !== -1) p = p.slice(0, q);
  // Absolute-form request targets (RFC 9112 section 3.2.2, `POST http://host/auth/login`):
  // Express's parseurl and Fastify route them by their path, so the limiter must too.
  const abs = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(p);
  if (abs) p = p.slice(abs[0].length);
  p = p.replace(UNRESERVED, (m) => String.fromCharCode(Number.parseInt(m.slice(1), 16)));
  p = p.replace(/\/{2,}/g, '/');
  if (!p.startsWith('/')) p = `/${p}`;
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return caseSensitive ? p : p.toLowerCase();
}

/**
 * The canonical path of a request, as every Portcullis module sees it: the path the framework
 * routes (the adapter hands over the framework's own parse of the target), then
 * {@link normalisePath}. One function, so the rate limiter, metrics and audit cannot disagree
 * about which route a request is.
 *
 * @example
 * ```ts
 * requestPath('/Auth//login/?x=1'); // '/auth/login'
 * ```
 */
export function requestPath(routedPath: string, caseSensitive = false): string {
  return normalisePath(routedPath, caseSensitive);
}

/** A compiled path pattern. */
export type PathMatcher = (normalisedPath: string) => boolean;

/**
 * Compiles a pattern: literal segments, `:name` for one non-empty segment, and a final `*`
 * for any rest (including nothing). `/api/*` matches `/api` and `/api/a/b`.
 */
export function compilePathPattern(pattern: string, caseSensitive = false): PathMatcher {
  const norm = normalisePath(pattern, caseSensitive);
  const segments = norm === '/' ? [] : norm.slice(1).split('/');
  let re = '^';
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg === '*' && i === segments.length - 1) {
      re += '(?:/.*)?';
    } else if (seg.startsWith(':') && seg.length > 1) {
      // A last parameter may be empty: Fastify routes `GET /users/` to `/users/:id` (and the
      // canonical path of `/users/` is `/users`), so the rule must count it too.
      re += i === segments.length - 1 ? '(?:/[^/]*)?' : '/[^/]+';
    } else {
      re += `/${seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    }
  }
  if (segments.length === 0) re += '/';
  re += '$';
  const compiled = new RegExp(re);
  return (path) => compiled.test(path);
}
