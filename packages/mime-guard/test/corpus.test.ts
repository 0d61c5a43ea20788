import { createEventBus, type SecurityEvent } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createMimeGuard, type MimeGuardErrorCode, type MimeGuardOptions } from '../src/index.js';
import * as f from './fixtures.js';

interface Case {
  name: string;
  bytes: () => Buffer;
  filename?: string;
  declaredType?: string;
  options?: MimeGuardOptions;
  /** Expected type id when accepted, or the rejection code. */
  expect: { accept: string } | { reject: MimeGuardErrorCode; status: number };
}

const corpus: Case[] = [
  { name: 'a PNG', bytes: f.png, filename: 'cat.png', declaredType: 'image/png', expect: { accept: 'png' } },
  {
    name: 'an animated PNG where PNG is allowed',
    bytes: () => f.png({ animated: true }),
    filename: 'anim.png',
    declaredType: 'image/png',
    expect: { accept: 'apng' },
  },
  {
    name: 'a JPEG',
    bytes: f.jpg,
    filename: 'photo.jpeg',
    declaredType: 'image/jpeg',
    expect: { accept: 'jpg' },
  },
  { name: 'a GIF', bytes: f.gif, filename: 'anim.gif', declaredType: 'image/gif', expect: { accept: 'gif' } },
  {
    name: 'a WebP',
    bytes: f.webp,
    filename: 'p.webp',
    declaredType: 'image/webp',
    expect: { accept: 'webp' },
  },
  {
    name: 'an AVIF',
    bytes: f.avif,
    filename: 'p.avif',
    declaredType: 'image/avif',
    expect: { accept: 'avif' },
  },
  {
    name: 'a PDF',
    bytes: f.pdf,
    filename: 'invoice.pdf',
    declaredType: 'application/pdf',
    expect: { accept: 'pdf' },
  },
  {
    name: 'a DOCX when documents are allowed',
    bytes: f.docx,
    filename: 'cv.docx',
    declaredType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    options: { allow: ['documents'] },
    expect: { accept: 'docx' },
  },
  {
    name: 'a DOCX under the default list',
    bytes: f.docx,
    filename: 'cv.docx',
    expect: { reject: 'ERR_MIME_NOT_ALLOWED', status: 415 },
  },
  {
    name: 'an ELF binary renamed .png',
    bytes: f.elf,
    filename: 'cat.png',
    declaredType: 'image/png',
    expect: { reject: 'ERR_MIME_EXECUTABLE', status: 415 },
  },
  {
    name: 'a PE executable renamed .png',
    bytes: f.pe,
    filename: 'cat.png',
    declaredType: 'image/png',
    expect: { reject: 'ERR_MIME_EXECUTABLE', status: 415 },
  },
  {
    name: 'a Mach-O binary',
    bytes: f.macho,
    filename: 'x.jpg',
    expect: { reject: 'ERR_MIME_EXECUTABLE', status: 415 },
  },
  {
    name: 'a wasm module',
    bytes: f.wasm,
    filename: 'x.gif',
    expect: { reject: 'ERR_MIME_EXECUTABLE', status: 415 },
  },
  {
    name: 'a shebang script even when text is allowed',
    bytes: f.shebang,
    filename: 'notes.txt',
    options: { allow: ['txt'] },
    expect: { reject: 'ERR_MIME_EXECUTABLE', status: 415 },
  },
  {
    name: 'a PNG declared application/pdf',
    bytes: f.png,
    filename: 'doc.png',
    declaredType: 'application/pdf',
    expect: { reject: 'ERR_MIME_MISMATCH', status: 422 },
  },
  {
    name: 'a PNG named .pdf',
    bytes: f.png,
    filename: 'doc.pdf',
    expect: { reject: 'ERR_MIME_MISMATCH', status: 422 },
  },
  {
    name: 'photo.jpg.exe (a real JPEG)',
    bytes: f.jpg,
    filename: 'photo.jpg.exe',
    expect: { reject: 'ERR_MIME_BAD_FILENAME', status: 422 },
  },
  {
    name: 'invoice.pdf.exe (a real PDF)',
    bytes: f.pdf,
    filename: 'invoice.pdf.exe',
    expect: { reject: 'ERR_MIME_BAD_FILENAME', status: 422 },
  },
  {
    name: 'photo.php.jpg',
    bytes: f.jpg,
    filename: 'photo.php.jpg',
    expect: { reject: 'ERR_MIME_BAD_FILENAME', status: 422 },
  },
  {
    name: 'a name with a NUL byte',
    bytes: f.png,
    filename: 'cat.php\u0000.png',
    expect: { reject: 'ERR_MIME_BAD_FILENAME', status: 422 },
  },
  {
    name: 'a name with a right-to-left override',
    bytes: f.png,
    filename: 'cat\u202Egnp.exe',
    expect: { reject: 'ERR_MIME_BAD_FILENAME', status: 422 },
  },
  {
    name: 'an SVG by default',
    bytes: f.svgClean,
    filename: 'a.svg',
    expect: { reject: 'ERR_MIME_NOT_ALLOWED', status: 415 },
  },
  {
    name: 'a clean SVG when SVG is allowed',
    bytes: f.svgClean,
    filename: 'a.svg',
    declaredType: 'image/svg+xml',
    options: { allow: ['svg'] },
    expect: { accept: 'svg' },
  },
  {
    name: 'an SVG with <script> even when SVG is allowed',
    bytes: f.svgScript,
    filename: 'a.svg',
    options: { allow: ['svg'] },
    expect: { reject: 'ERR_MIME_UNSAFE_CONTENT', status: 422 },
  },
  {
    name: 'an SVG with onload even when SVG is allowed',
    bytes: f.svgOnload,
    filename: 'a.svg',
    options: { allow: ['svg'] },
    expect: { reject: 'ERR_MIME_UNSAFE_CONTENT', status: 422 },
  },
  {
    name: 'an HTML page named .png',
    bytes: f.html,
    filename: 'x.png',
    expect: { reject: 'ERR_MIME_NOT_ALLOWED', status: 415 },
  },
  {
    name: 'a CSV by default',
    bytes: f.csvClean,
    filename: 'a.csv',
    expect: { reject: 'ERR_MIME_NOT_ALLOWED', status: 415 },
  },
  {
    name: 'a clean CSV when CSV is allowed',
    bytes: f.csvClean,
    filename: 'a.csv',
    declaredType: 'text/csv',
    options: { allow: ['csv'] },
    expect: { accept: 'csv' },
  },
  {
    name: 'a CSV with a formula when CSV is allowed',
    bytes: f.csvFormula,
    filename: 'a.csv',
    options: { allow: ['csv'] },
    expect: { reject: 'ERR_MIME_UNSAFE_CONTENT', status: 422 },
  },
  {
    name: 'plain text by default',
    bytes: f.text,
    filename: 'a.txt',
    expect: { reject: 'ERR_MIME_NOT_ALLOWED', status: 415 },
  },
  {
    name: 'a zip by default',
    bytes: f.plainZip,
    filename: 'a.zip',
    expect: { reject: 'ERR_MIME_NOT_ALLOWED', status: 415 },
  },
  {
    name: 'a zip when archives are allowed',
    bytes: f.plainZip,
    filename: 'a.zip',
    options: { allow: ['archives'] },
    expect: { accept: 'zip' },
  },
  {
    name: 'a zip bomb by default',
    bytes: f.zipBomb,
    filename: 'pics.zip',
    expect: { reject: 'ERR_MIME_NOT_ALLOWED', status: 415 },
  },
  {
    name: 'a gzip bomb named .png',
    bytes: f.gzipBomb,
    filename: 'x.png',
    expect: { reject: 'ERR_MIME_NOT_ALLOWED', status: 415 },
  },
  {
    name: 'a polyglot PNG with an HTML tail past the head (served as image/png + nosniff)',
    bytes: f.pngWithHtmlTail,
    filename: 'p.png',
    expect: { accept: 'png' },
  },
  {
    name: 'a polyglot PNG with a zip tail (served as image/png + nosniff)',
    bytes: f.pngWithZipTail,
    filename: 'p.png',
    expect: { accept: 'png' },
  },
  {
    name: 'a polyglot PNG with HTML in its head',
    bytes: f.pngWithHtmlHead,
    filename: 'p.png',
    expect: { reject: 'ERR_MIME_UNSAFE_CONTENT', status: 422 },
  },
  {
    name: 'an empty file',
    bytes: () => Buffer.alloc(0),
    filename: 'e.png',
    expect: { reject: 'ERR_MIME_EMPTY', status: 422 },
  },
  {
    name: 'a PNG over the per-type limit',
    bytes: f.png,
    filename: 'cat.png',
    options: { maxFileSizeByType: { png: 50 } },
    expect: { reject: 'ERR_MIME_TOO_LARGE', status: 413 },
  },
  {
    name: 'a PDF over the global limit',
    bytes: f.pdf,
    filename: 'big.pdf',
    options: { maxFileSize: 100 },
    expect: { reject: 'ERR_MIME_TOO_LARGE', status: 413 },
  },
];

describe('createMimeGuard: the proof corpus', () => {
  for (const c of corpus) {
    const verdict = 'accept' in c.expect ? `accepts ${c.expect.accept}` : `refuses with ${c.expect.reject}`;
    it(`${verdict}: ${c.name}`, async () => {
      const guard = createMimeGuard(c.options);
      const d = await guard.inspect(c.bytes(), { filename: c.filename, declaredType: c.declaredType });
      if ('accept' in c.expect) {
        expect(d.ok ? d.type.id : d.error.code).toBe(c.expect.accept);
      } else {
        expect(d.ok ? `accepted ${d.type.id}` : d.error.code).toBe(c.expect.reject);
        if (!d.ok) expect(d.error.status).toBe(c.expect.status);
      }
    });
  }

  it('accepts a zip bomb when archives are allowed without inflating it (reads the head only)', async () => {
    const guard = createMimeGuard({ allow: ['archives'] });
    const bomb = f.zipBomb();
    const d = await guard.inspect(new Blob([new Uint8Array(bomb)]), { filename: 'bomb.zip' });
    expect(d.ok && d.type.id).toBe('zip');
    expect(d.bytesRead).toBeLessThanOrEqual(4100);
  });

  it('examines only the 4100-byte head of bytes already in memory', async () => {
    const d = await createMimeGuard().inspect(f.pngWithHtmlTail(), { filename: 'p.png' });
    expect([d.ok, d.bytesRead]).toEqual([true, 4100]);
  });

  it('lists the allowed types in the 415 problem', async () => {
    const d = await createMimeGuard().inspect(f.plainZip(), { filename: 'a.zip' });
    expect(d.ok).toBe(false);
    if (d.ok) return;
    const problem = d.error.toProblem();
    expect(problem.allowed).toEqual([
      'image/png',
      'image/jpeg',
      'image/gif',
      'image/webp',
      'image/avif',
      'application/pdf',
    ]);
    expect(problem.detail).toContain('image/png');
  });

  it('never echoes a raw file name: controls and bidi characters are escaped in the problem', async () => {
    const d = await createMimeGuard().inspect(f.png(), {
      filename: '<img src=x onerror=alert(1)>\u202E.png',
    });
    expect(d.ok).toBe(false);
    if (d.ok) return;
    const body = JSON.stringify(d.error.toProblem());
    expect(body).not.toContain('<img');
    expect(body).not.toContain('\u202E');
    expect(d.error.toProblem().filename).toBe(
      '\\u{3c}img src\\u{3d}x onerror\\u{3d}alert\\u{28}1\\u{29}\\u{3e}\\u{202e}.png',
    );
  });

  it('refuses the 11th file of a request when the limit is 10', async () => {
    const guard = createMimeGuard({ maxFiles: 10 });
    expect((await guard.inspect(f.png(), { index: 9 })).ok).toBe(true);
    const d = await guard.inspect(f.png(), { index: 10 });
    expect(d.ok ? 'accepted' : [d.error.code, d.error.status]).toEqual(['ERR_MIME_TOO_MANY_FILES', 413]);
  });

  it('treats application/octet-stream and a missing name as no claim at all', async () => {
    const d = await createMimeGuard().inspect(f.png(), { declaredType: 'application/octet-stream' });
    expect(d.ok && d.type.id).toBe('png');
  });

  it('accepts declared-type aliases and parameters (image/jpg; charset ignored)', async () => {
    const d = await createMimeGuard().inspect(f.jpg(), { filename: 'a.JPG', declaredType: 'IMAGE/JPG; q=1' });
    expect(d.ok && d.type.id).toBe('jpg');
  });

  it('gives a storage name made of a UUID and the canonical extension, keeping the original as metadata', async () => {
    const d = await createMimeGuard().inspect(f.jpg(), { filename: 'Holiday Photo.JPEG' });
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.storageName).toMatch(/^[0-9a-f-]{36}\.jpg$/);
    expect(d.filename).toBe('Holiday Photo.JPEG');
  });

  it('can skip the declared-type and extension checks when told to', async () => {
    const guard = createMimeGuard({ checkDeclaredType: false, checkExtension: false });
    const d = await guard.inspect(f.png(), { filename: 'x.pdf', declaredType: 'application/pdf' });
    expect(d.ok && d.type.id).toBe('png');
  });
});

describe('createMimeGuard: configuration', () => {
  it('refuses to allow an executable type at start-up', () => {
    expect(() => createMimeGuard({ allow: ['png', 'exe'] })).toThrow(/never be allowed/);
    expect(() => createMimeGuard({ allow: ['script'] })).toThrowError(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
  });

  it('refuses an empty allow-list and non-positive limits', () => {
    expect(() => createMimeGuard({ allow: [] })).toThrow(/at least one/);
    expect(() => createMimeGuard({ maxFileSize: 0 })).toThrow(/maxFileSize/);
    expect(() => createMimeGuard({ maxFiles: -1 })).toThrow(/maxFiles/);
  });

  it('resolves presets and reports the largest limit for parsers', () => {
    const guard = createMimeGuard({
      allow: ['images', 'pdf', 'svg'],
      maxFileSize: 5000,
      maxFileSizeByType: { pdf: 9000 },
    });
    expect(guard.allowedTypes.map((t) => t.id)).toEqual(['png', 'jpg', 'gif', 'webp', 'avif', 'pdf', 'svg']);
    expect(guard.maxFileSize).toBe(9000);
    expect(guard.limitFor('svg')).toBe(5000);
    expect(createMimeGuard({ allow: ['svg'] }).limitFor('svg')).toBe(1024 * 1024);
  });
});

describe('createMimeGuard: events', () => {
  it('publishes upload_rejected with the reason code and upload_stored with the storage name', async () => {
    const events = createEventBus();
    const seen: SecurityEvent[] = [];
    events.subscribe((e) => {
      seen.push(e);
    });
    const guard = createMimeGuard({ events });
    await guard.inspect(f.elf(), { filename: 'a.png', clientAddress: '192.0.2.7', requestId: 'r1' });
    const ok = await guard.inspect(f.png(), { filename: 'a.png', userId: 'u1' });
    expect(seen.map((e) => [e.name, e.reason ?? e.resource])).toEqual([
      ['upload_rejected', 'ERR_MIME_EXECUTABLE'],
      ['upload_stored', ok.ok ? ok.storageName : ''],
    ]);
    expect(seen[0]).toMatchObject({ level: 'warn', clientAddress: '192.0.2.7', requestId: 'r1' });
    expect(seen[1]).toMatchObject({ userId: 'u1', attributes: { type: 'png', size: f.png().length } });
  });
});
