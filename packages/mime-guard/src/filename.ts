import { randomUUID } from 'node:crypto';
import type { DetectedType } from './types.js';
import { DANGEROUS_EXTENSIONS } from './types.js';

/** Why a client-supplied name is refused. */
export type FilenameProblem =
  | 'control-character'
  | 'bidi-override'
  | 'double-extension'
  | 'too-long'
  | 'trailing-dot';

/** Result of {@link inspectFilename}. */
export interface FilenameInfo {
  /** The last path segment (old browsers sent `C:\\fakepath\\x.png`). */
  readonly basename: string;
  /** Lower-case extensions after the first dot, in order (`a.tar.gz` → `['tar', 'gz']`). */
  readonly extensions: readonly string[];
  /** First problem found, if any. */
  readonly problem?: FilenameProblem | undefined;
}

// C0 controls, DEL and C1 controls: a NUL truncates names in C libraries, CR/LF split headers.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Bidi embeddings/overrides/isolates and marks make `gpj.exe` display as `exe.jpg`
// (Unicode TR #36 §2.1, CVE-2021-42574 "Trojan Source").
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** Most file systems cap a name at 255 bytes. */
const MAX_NAME_BYTES = 255;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A client-supplied file name as text. Multipart names are UTF-8 on the wire (RFC 7578 section
 * 4.2; every current browser sends them so), but some parsers hand them over decoded as latin1
 * (busboy's default), which turns `résumé 文件.png` into `rÃ©sumÃ© æ\u0096\u0087ä»¶.png`, C1
 * controls included. Raw bytes are decoded as UTF-8; a string whose code units are all bytes and
 * that is valid UTF-8 read back as bytes is decoded again. A real latin1 name (`café` as E9) is
 * not valid UTF-8 and stays as it is. Never throws.
 */
export function decodeFilename(raw: string | Uint8Array): string {
  if (typeof raw !== 'string') {
    try {
      return UTF8.decode(raw);
    } catch {
      return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
    }
  }
  let high = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c > 0xff) return raw;
    if (c >= 0x80) high = true;
  }
  if (!high) return raw;
  try {
    return UTF8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return raw;
  }
}

/** Splits and checks a client-supplied file name; never throws. */
export function inspectFilename(name: string): FilenameInfo {
  const basename = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = basename.indexOf('.', basename.startsWith('.') ? 1 : 0);
  const extensions =
    dot < 0
      ? []
      : basename
          .slice(dot + 1)
          .toLowerCase()
          .split('.')
          .filter((e) => e.length > 0);
  let problem: FilenameProblem | undefined;
  if (CONTROL.test(name)) problem = 'control-character';
  else if (BIDI.test(name)) problem = 'bidi-override';
  else if (Buffer.byteLength(name) > MAX_NAME_BYTES) problem = 'too-long';
  // Windows drops trailing dots and spaces, so `x.exe.` is stored as `x.exe`.
  else if (/[. ]$/.test(basename)) problem = 'trailing-dot';
  else if (extensions.length > 1 && extensions.some((e) => DANGEROUS_EXTENSIONS.has(e)))
    problem = 'double-extension';
  return problem === undefined ? { basename, extensions } : { basename, extensions, problem };
}

/**
 * A client-supplied name made safe to show in a message or a log: anything but letters, digits
 * and `._- ` is written `\u{hex}`, and long names are cut. Use it wherever a name is echoed.
 *
 * @example
 * ```ts
 * escapeFilename('a\u202Egpj.exe') // 'a\\u{202e}gpj.exe'
 * ```
 */
export function escapeFilename(name: string, maxLength = 80): string {
  let out = '';
  for (const ch of name) {
    out += /^[\p{L}\p{N}._\- ]$/u.test(ch) && !BIDI.test(ch) ? ch : `\\u{${ch.codePointAt(0)!.toString(16)}}`;
    if (out.length >= maxLength) return `${out.slice(0, maxLength)}…`;
  }
  return out;
}

/**
 * A storage name that owes nothing to the client: a random UUID plus the canonical extension of
 * the detected type (OWASP File Upload Cheat Sheet, "Filename sanitization": generate the name,
 * keep the original only as metadata).
 *
 * @example
 * ```ts
 * safeStorageName({ ext: 'png' }) // '3b241101-e2bb-4255-8caf-4136c566a962.png'
 * ```
 */
export function safeStorageName(type: Pick<DetectedType, 'ext'>): string {
  return `${randomUUID()}.${type.ext}`;
}

/**
 * `Content-Disposition` value for serving a stored file (RFC 6266 §4.1, RFC 8187 for the
 * `filename*` parameter): an ASCII fallback with quotes and controls removed, and the UTF-8 name
 * percent-encoded.
 */
export function contentDisposition(disposition: 'inline' | 'attachment', filename?: string): string {
  if (filename === undefined || filename === '') return disposition;
  const clean = [...filename]
    .filter((c) => !CONTROL.test(c) && !BIDI.test(c))
    .join('')
    .replace(/[/\\]/g, '_');
  const fallback = clean.replace(/[^\u0020-\u007e]|["%;\\]/g, '_');
  const encoded = encodeURIComponent(clean).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
