import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentDisposition, escapeFilename, inspectFilename, safeStorageName } from '../src/index.js';

describe('inspectFilename', () => {
  it.each([
    ['cat.png', ['png'], undefined],
    ['C:\\fakepath\\cat.PNG', ['png'], undefined],
    ['archive.tar.gz', ['tar', 'gz'], undefined],
    ['.profile', [], undefined],
    ['noext', [], undefined],
    ['invoice.pdf.exe', ['pdf', 'exe'], 'double-extension'],
    ['photo.php.jpg', ['php', 'jpg'], 'double-extension'],
    ['shell.jsp.png', ['jsp', 'png'], 'double-extension'],
    ['x\u0000.png', ['png'], 'control-character'],
    ['x\n.png', ['png'], 'control-character'],
    ['x\u202Egnp.exe', ['exe'], 'bidi-override'],
    ['evil.exe.', ['exe'], 'trailing-dot'],
    [`${'a'.repeat(300)}.png`, ['png'], 'too-long'],
  ])('%j → extensions %j, problem %s', (name, exts, problem) => {
    const info = inspectFilename(name);
    expect(info.extensions).toEqual(exts);
    expect(info.problem).toBe(problem);
  });
});

describe('escapeFilename', () => {
  it('keeps letters, digits and ._- and escapes the rest', () => {
    expect(escapeFilename('Été 2024_v1.png')).toBe('Été 2024_v1.png');
    expect(escapeFilename('a"b<c>\u0000')).toBe('a\\u{22}b\\u{3c}c\\u{3e}\\u{0}');
  });

  it('never lets markup, quotes, controls or bidi characters through (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = escapeFilename(s);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the property is that none survive
        expect(out).not.toMatch(/[<>"'&\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        expect(out.length).toBeLessThanOrEqual(81);
      }),
    );
  });
});

describe('safeStorageName', () => {
  it('is a fresh UUID plus the canonical extension each time', () => {
    const a = safeStorageName({ ext: 'jpg' });
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.jpg$/);
    expect(safeStorageName({ ext: 'jpg' })).not.toBe(a);
  });
});

describe('contentDisposition', () => {
  it('writes an ASCII fallback and an RFC 8187 UTF-8 name', () => {
    expect(contentDisposition('attachment', 'Résumé "final".pdf')).toBe(
      `attachment; filename="R_sum_ _final_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
    expect(contentDisposition('inline')).toBe('inline');
  });

  it('never yields a header that breaks out of its parameter (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (name) => {
        const header = contentDisposition('attachment', name);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the property is that none survive
        expect(header).not.toMatch(/[\u0000-\u001f\u007f]/);
        const fallback = /filename="([^"]*)"/.exec(header);
        if (header !== 'attachment') expect(fallback?.[1]).not.toMatch(/["\\;]/);
        expect(header.split('"').length).toBeLessThanOrEqual(3);
      }),
    );
  });
});
