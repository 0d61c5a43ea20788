// biome-ignore-all lint/suspicious/noControlCharactersInRegex: this file exists to match control characters
/**
 * Encoding of attacker-controlled strings before they reach an audit line.
 *
 * JSON.stringify already escapes CR/LF and quotes, so a value can never end a JSON line. What it
 * leaves alone can still hide or forge what a human reads in a terminal or a viewer: ANSI escape
 * sequences (clear the line, move the cursor), other C0/C1 controls, Unicode bidi overrides
 * ("Trojan Source", CVE-2021-42574), U+2028/2029 (line breaks to many viewers) and lone
 * surrogates (invalid UTF-8 once written). OWASP Logging Cheat Sheet, "Event data sources" and
 * "Attacks on logs": sanitise event data to prevent log injection.
 */

/** Replacement for anything removed: visible, and impossible to confuse with text. */
export const REPLACEMENT = '\uFFFD';

// CSI (ESC [ ... final), OSC (ESC ] ... BEL | ESC \), any other ESC sequence, and 8-bit CSI.
const ANSI =
  /\u001b\[[0-?]*[ -/]*[@-~]?|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]?|\u009b[0-?]*[ -/]*[@-~]?/g;
// C0, DEL, C1, bidi embeddings/overrides/isolates and marks, line/paragraph separators.
const UNSAFE_CLASS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[${UNSAFE_CLASS}]`, 'g');
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Fast pre-check for the common clean case (surrogates included: most are valid pairs).
const NEEDS_WORK = new RegExp(`[${UNSAFE_CLASS}\\ud800-\\udfff]`);

/**
 * Makes a user-controlled string safe for one audit line: strips ANSI sequences, replaces
 * controls, bidi marks, line separators and lone surrogates with U+FFFD, and caps the length
 * (in UTF-16 code units, never splitting a surrogate pair; a cut value ends with `…`).
 *
 * @example
 * ```ts
 * encodeText('alice\r\n{"event":"authn_login_success"}', 64); // 'alice��{"event":...'
 * ```
 */
export function encodeText(value: string, maxLength: number): string {
  let s = value;
  if (NEEDS_WORK.test(s)) {
    s = s.replace(ANSI, REPLACEMENT).replace(UNSAFE, REPLACEMENT).replace(LONE_SURROGATE, REPLACEMENT);
  }
  if (s.length > maxLength) {
    let end = Math.max(0, maxLength - 1);
    const code = s.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end -= 1;
    s = `${s.slice(0, end)}…`;
  }
  return s;
}

// A compact JWS/JWT (three base64url parts, the first one a JSON header `{"`), an opaque
// bearer-looking secret after a credential keyword, or a URL carrying a query or fragment (reset
// links carry their token there). OWASP Logging Cheat Sheet, "Data to exclude": session ids,
// access tokens, passwords, keys.
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.?/;
const URL_WITH_QUERY = /[a-z][a-z0-9+.-]{0,31}:\/\/\S*[?#]/i;
const SECRET_KEYWORD =
  /(?:pass(?:word|wd)?|secret|token|bearer|cookie|session|api[_-]?key|authorization)\s*[=:]/i;

/** Placeholder written instead of a value that looks like a credential. */
export const REDACTED = '[redacted]';

/** True when a value looks like a credential, a token or a link carrying one. */
export function looksSecret(value: string): boolean {
  // Each pattern needs a literal its match cannot do without; checking for it first keeps the
  // common clean value off the regex engines (the URL pattern backtracks on long values).
  return (
    (value.includes('eyJ') && JWT_LIKE.test(value)) ||
    (value.includes('://') && URL_WITH_QUERY.test(value)) ||
    ((value.includes('=') || value.includes(':')) && SECRET_KEYWORD.test(value))
  );
}

/** {@link encodeText}, after replacing credential-looking values with `[redacted]`. */
export function encodeField(value: string, maxLength: number): string {
  return looksSecret(value) ? REDACTED : encodeText(value, maxLength);
}

/** A path or resource without its query string or fragment (where links carry tokens). */
export function stripQuery(value: string): string {
  const q = value.search(/[?#]/);
  return q === -1 ? value : value.slice(0, q);
}
