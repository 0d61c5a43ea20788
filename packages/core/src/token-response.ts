/**
 * The HTTP side of a token response, shared by the tokens module and the adapters: the adapters'
 * `sendTokenPair` needs it without loading the tokens module (an app that only sends pairs it got
 * elsewhere, or whose tokens module is reached through its instances).
 */
import { ConfigError } from './errors.js';

/** A `__Host-` cookie name (RFC 6265bis section 4.1.3.2) made of RFC 6265 token characters. */
const HOST_COOKIE_NAME = /^__Host-[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/** True when `name` is a valid `__Host-` cookie name (Secure, host-only, path `/`). */
export function isHostCookieName(name: string): boolean {
  return HOST_COOKIE_NAME.test(name);
}

/**
 * `Set-Cookie` value carrying an access token: `__Host-` prefix, `Secure`, `HttpOnly`,
 * `SameSite=Strict`, `Path=/` (OWASP Session Management Cheat Sheet, "Cookies").
 */
export function accessTokenCookie(name: string, token: string, maxAgeSec: number): string {
  if (!isHostCookieName(name)) throw new ConfigError('token cookie name must start with "__Host-"');
  return `${name}=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSec))}; HttpOnly; Secure; SameSite=Strict`;
}

/**
 * Headers of a token response: RFC 6749 section 5.1 requires `Cache-Control: no-store` (and
 * `Pragma: no-cache` for HTTP/1.0 caches) on any response carrying tokens.
 */
export const TOKEN_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  pragma: 'no-cache',
});
