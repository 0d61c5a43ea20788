/**
 * A small, careful sniff of the formats file-type cannot detect by magic bytes: scripts,
 * SVG, HTML, XML, CSV and plain text. It reads bytes, never trusts a name, and errs towards
 * the more dangerous reading (a file that looks like HTML anywhere in its head is HTML).
 */

/** What the text sniff concluded. `binary` means "not text, and file-type knew nothing either". */
export type TextKind = 'script' | 'svg' | 'html' | 'xml' | 'text' | 'binary';

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/** Decodes a head as UTF-8 (or UTF-16 with a BOM) for pattern checks. */
export function decodeHead(bytes: Uint8Array): string {
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  ) {
    return new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(bytes);
  }
  return decoder.decode(bytes);
}

/**
 * True when the bytes look like text: no NUL and few other control bytes (the WHATWG MIME Sniffing
 * "binary data byte" set, §7.2), UTF-16 with a BOM counted as text.
 */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  ) {
    return true;
  }
  let controls = 0;
  for (const b of bytes) {
    if (b === 0) return false;
    if ((b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f)) && ++controls > 2) {
      return false;
    }
  }
  return true;
}

// Markup that makes a browser that ignores the declared type (or an old one that sniffs) render
// HTML: the WHATWG MIME Sniffing §7.1 "HTML" patterns, checked anywhere in the head.
const HTML_MARKERS =
  /<(?:!doctype\s+html|html|head|body|script|iframe|frameset|object|embed|style|title|table|a\s|img\s|br|p[\s>]|div|font|b[\s>]|h1|!--)/i;

/** True when markup a browser would render as HTML occurs in `text`. */
export function containsHtmlMarkup(text: string): boolean {
  return HTML_MARKERS.test(text);
}

/** Classifies a head that file-type could not identify (or identified as XML). */
export function sniffText(bytes: Uint8Array): TextKind {
  if (!looksLikeText(bytes)) return 'binary';
  const text = decodeHead(bytes).replace(/^\uFEFF/, '');
  const start = text.trimStart();
  // Interpreted scripts: a shebang line, or a PHP / ASP opening tag that a misconfigured server
  // would execute whatever the extension (OWASP File Upload Cheat Sheet, "File content validation").
  if (start.startsWith('#!') || /<\?php|<\?=|<%[@=\s]/i.test(text)) return 'script';
  // SVG is XML that browsers run scripts in: look for the root element past any prolog.
  if (/^(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*|<!doctype[^>]*>\s*)*<svg[\s>]/i.test(start)) return 'svg';
  if (/<svg[\s>][\s\S]*xmlns\s*=\s*["']http:\/\/www\.w3\.org\/2000\/svg/i.test(text)) return 'svg';
  if (containsHtmlMarkup(text)) return 'html';
  if (/^<\?xml[\s>]/i.test(start) || /^<[a-z_][\w:.-]*[\s>/]/i.test(start)) return 'xml';
  return 'text';
}

/** Why an SVG is refused. */
export type SvgProblem =
  | 'script'
  | 'event-handler'
  | 'javascript-url'
  | 'foreign-object'
  | 'entity'
  | 'external-reference';

/**
 * Scans a whole SVG for active content (OWASP XSS Prevention / File Upload Cheat Sheets: SVG can
 * carry scripts): `<script>`, `on*=` handlers, `javascript:` URLs (also entity-encoded),
 * `<foreignObject>` (embedded HTML), DTD entities (XXE, billion laughs) and external
 * `href`s. Returns the first problem, or undefined when none is found.
 */
export function findSvgProblem(text: string): SvgProblem | undefined {
  // Entity-decode the characters used to hide `javascript:` (`&#106;avascript:`, `java&#x09;script:`).
  const decoded = text.replace(/&#(x[0-9a-f]+|\d+);?/gi, (_m, n: string) => {
    const code = n[0] === 'x' || n[0] === 'X' ? Number.parseInt(n.slice(1), 16) : Number.parseInt(n, 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
  if (/<\s*(?:[\w-]+:)?script[\s>/]/i.test(decoded)) return 'script';
  if (/[\s"'/]on[a-z]+\s*=/i.test(decoded)) return 'event-handler';
  if (/j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:/i.test(decoded) || /vbscript\s*:/i.test(decoded)) {
    return 'javascript-url';
  }
  if (/<\s*(?:[\w-]+:)?foreignObject[\s>/]/i.test(decoded)) return 'foreign-object';
  if (/<!ENTITY/i.test(decoded)) return 'entity';
  if (/\bhref\s*=\s*["']\s*(?!#|data:image\/(?:png|jpeg|gif|webp);)[a-z][\w+.-]*:/i.test(decoded)) {
    return 'external-reference';
  }
  return undefined;
}

/**
 * Finds a CSV cell that a spreadsheet would run as a formula (OWASP CSV Injection: cells
 * starting with `=`, `+`, `-`, `@`, tab or carriage return). Plain numbers such as `-12.5` or
 * `+33` are not formulas and pass. Returns the 1-based line of the first offending cell.
 */
export function findCsvFormula(text: string): number | undefined {
  let line = 1;
  let atCellStart = true;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    let ch = text[i]!;
    if (atCellStart) {
      atCellStart = false;
      if (ch === '"' && !inQuotes) {
        inQuotes = true;
        ch = text[i + 1] ?? '';
        i++;
        if (ch === '"') {
          // An empty quoted cell (`""`) or an escaped quote at the start: not a trigger.
          inQuotes = false;
          continue;
        }
      }
      const crlf = ch === '\r' && text[i + 1] === '\n';
      if (ch === '=' || ch === '+' || ch === '-' || ch === '@' || ch === '\t' || (ch === '\r' && !crlf)) {
        const rest = /^[+-]?\d+(?:[.,]\d+)?(?:e[+-]?\d+)?(?=["]?(?:[,;\n\r]|$))/i.exec(text.slice(i, i + 64));
        if (!(ch === '+' || ch === '-') || rest === null) return line;
      }
    }
    if (ch === '"') {
      if (inQuotes && text[i + 1] === '"') i++;
      else inQuotes = !inQuotes;
    } else if (!inQuotes && (ch === ',' || ch === ';')) {
      atCellStart = true;
    } else if (!inQuotes && ch === '\n') {
      line++;
      atCellStart = true;
    }
  }
  return undefined;
}
