// biome-ignore-all lint/suspicious/noControlCharactersInRegex: these tests look for control characters
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeField, encodeText, looksSecret, REDACTED, REPLACEMENT, stripQuery } from '../src/encode.js';

// Anything a terminal, a viewer or a line-based parser could act on.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const ansi = fc.constantFrom('\u001b[2J', '\u001b[1;31m', '\u001b]0;x\u0007', '\u009b1m', '\u001b');
const hostile = fc.string({
  unit: fc.oneof(codeUnit, fc.string({ unit: 'binary', maxLength: 1 }), ansi),
  maxLength: 300,
});

describe('encodeText', () => {
  it('replaces CR/LF so a value cannot start a forged line', () => {
    const forged = 'bob\r\n{"event":"authn_login_success","user":"admin"}';
    const out = encodeText(forged, 256);
    expect(out).not.toMatch(/[\r\n]/);
    expect(out.startsWith(`bob${REPLACEMENT}${REPLACEMENT}{`)).toBe(true);
  });

  it('strips ANSI sequences that would clear the screen or recolour a line', () => {
    expect(encodeText('a\u001b[2J\u001b[1;31mb\u001b]0;title\u0007c', 64)).toBe(
      `a${REPLACEMENT}${REPLACEMENT}b${REPLACEMENT}c`,
    );
    expect(encodeText('\u009b31mx', 64)).toBe(`${REPLACEMENT}x`);
  });

  it('replaces bidi overrides (Trojan Source) and line separators', () => {
    expect(encodeText('admin\u202eexe.pdf', 64)).toBe(`admin${REPLACEMENT}exe.pdf`);
    expect(encodeText('a\u2028b\u2029c\u2066d', 64)).toBe(`a${REPLACEMENT}b${REPLACEMENT}c${REPLACEMENT}d`);
  });

  it('replaces lone surrogates but keeps valid pairs', () => {
    expect(encodeText('a\ud800b\udc00c', 64)).toBe(`a${REPLACEMENT}b${REPLACEMENT}c`);
    expect(encodeText('emoji 😀', 64)).toBe('emoji 😀');
  });

  it('caps the length without splitting a surrogate pair', () => {
    expect(encodeText('x'.repeat(1000), 10)).toBe(`${'x'.repeat(9)}…`);
    const out = encodeText(`${'x'.repeat(8)}😀😀`, 10);
    expect(out).toBe(`${'x'.repeat(8)}…`);
    expect(LONE.test(out)).toBe(false);
  });

  it('leaves clean text untouched', () => {
    expect(encodeText('report-2026.pdf', 64)).toBe('report-2026.pdf');
  });

  it('never outputs a control, bidi mark, line separator or lone surrogate, and respects the cap (property)', () => {
    fc.assert(
      fc.property(
        hostile, // any UTF-16 code unit (lone surrogates too), whole code points, ANSI sequences
        fc.integer({ min: 2, max: 300 }),
        (s, max) => {
          const out = encodeText(s, max);
          expect(UNSAFE.test(out)).toBe(false);
          expect(LONE.test(out)).toBe(false);
          expect(out.length).toBeLessThanOrEqual(max);
          // One JSON line, whatever the input.
          expect(JSON.stringify(out)).not.toMatch(/[\r\n\u2028\u2029]/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('encodeField', () => {
  it.each([
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.sig'],
    ['a reset link', 'https://app.example/reset?token=abcdef123456'],
    ['a link with a fragment', 'https://app.example/#access_token=abc'],
    ['a password assignment', 'password=hunter2'],
    ['a cookie header', 'cookie: sid=abc'],
    ['a bearer value', 'Bearer: abc.def'],
  ])('redacts %s', (_name, value) => {
    expect(looksSecret(value)).toBe(true);
    expect(encodeField(value, 256)).toBe(REDACTED);
  });

  it('keeps ordinary values', () => {
    expect(encodeField('ERR_TOKEN_EXPIRED', 128)).toBe('ERR_TOKEN_EXPIRED');
    expect(encodeField('files/invoice-42.pdf', 128)).toBe('files/invoice-42.pdf');
  });
});

describe('stripQuery', () => {
  it('cuts the query string and the fragment', () => {
    expect(stripQuery('/files/1?token=abc')).toBe('/files/1');
    expect(stripQuery('/files/1#frag')).toBe('/files/1');
    expect(stripQuery('/files/1')).toBe('/files/1');
  });
});
