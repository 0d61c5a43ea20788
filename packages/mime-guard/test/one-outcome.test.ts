/**
 * One request, one outcome: every file stored and reported, or none left and none reported.
 * And the module-level findings of the upload review: one file per request by default, UTF-8
 * names, markup in image metadata, the mismatch detail.
 */
import { crc32, deflateSync } from 'node:zlib';
import { createEventBus, type SecurityEvent } from '@portcullis/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findImageMetadataMarkup } from '../src/image-metadata.js';
import { createMimeGuard, createUploadSession, decodeFilename, type StoredUpload } from '../src/index.js';
import * as f from './fixtures.js';

function harness(maxFiles: number, extra: { fields?: string[]; failCommit?: boolean } = {}) {
  const events = createEventBus();
  const seen: SecurityEvent[] = [];
  events.subscribe((e) => {
    seen.push(e);
  });
  const disk = new Set<string>();
  const session = createUploadSession<Uint8Array, string>(createMimeGuard({ maxFiles, events }), {
    store: async (file) => {
      disk.add(file.storageName);
      return file.storageName;
    },
    remove: async (s: StoredUpload<string>) => {
      disk.delete(s.stored);
    },
    commit: async () => {
      if (extra.failCommit) throw new Error('database down');
    },
    fields: extra.fields,
  });
  const stored = () => seen.filter((e) => e.name === 'upload_stored');
  return { session, disk, seen, stored };
}

describe('one request, one outcome (upload session)', () => {
  it('a PNG and an ELF: 415, nothing left on disk, no upload_stored', async () => {
    const h = harness(10);
    await h.session.add(f.png(), { field: 'file', filename: 'a.png' });
    await h.session.add(f.elf(), { field: 'file', filename: 'b.png' });
    await expect(h.session.finish()).rejects.toMatchObject({ status: 415 });
    expect(h.disk.size).toBe(0);
    expect(h.stored()).toHaveLength(0);
  });

  it('ten PNGs and an ELF over a limit of ten: 413, none of the ten left, none reported', async () => {
    const h = harness(10);
    for (let i = 0; i < 10; i++) await h.session.add(f.png(), { field: 'file', filename: `${i}.png` });
    await h.session.add(f.elf(), { field: 'file', filename: 'x.bin' });
    await expect(h.session.finish()).rejects.toMatchObject({ code: 'ERR_MIME_TOO_MANY_FILES', status: 413 });
    expect(h.disk.size).toBe(0);
    expect(h.stored()).toHaveLength(0);
  });

  it('ten PNGs allowed: all ten stored, all ten returned and reported, only after finish', async () => {
    const h = harness(10);
    for (let i = 0; i < 10; i++) await h.session.add(f.png(), { field: 'file', filename: `${i}.png` });
    expect(h.stored()).toHaveLength(0);
    const files = await h.session.finish();
    expect(files).toHaveLength(10);
    expect(h.disk.size).toBe(10);
    expect(h.stored().map((e) => e.resource)).toEqual(files.map((s) => s.storageName));
  });

  it('a file in an unexpected field: 400, never stored', async () => {
    const h = harness(10, { fields: ['file'] });
    await h.session.add(f.png(), { field: 'file', filename: 'a.png' });
    await h.session.add(f.png(), { field: 'avatar', filename: 'b.png' });
    await expect(h.session.finish()).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID', status: 400 });
    expect(h.disk.size).toBe(0);
    expect(h.stored()).toHaveLength(0);
  });

  it('abort() from the adapter (its parser’s limit) removes what was stored', async () => {
    const h = harness(10);
    await h.session.add(f.png(), { field: 'file' });
    h.session.abort(new Error('body too large'));
    await h.session.add(f.png(), { field: 'file' });
    await expect(h.session.finish()).rejects.toThrow('body too large');
    expect(h.disk.size).toBe(0);
  });

  it('a failing commit removes every staged file and reports none', async () => {
    const h = harness(10, { failCommit: true });
    await h.session.add(f.png(), { field: 'file' });
    await expect(h.session.finish()).rejects.toThrow('database down');
    expect(h.disk.size).toBe(0);
    expect(h.stored()).toHaveLength(0);
  });

  it('one file per request by default', async () => {
    const guard = createMimeGuard();
    expect(guard.maxFiles).toBe(1);
    expect((await guard.inspect(f.png(), { index: 0 })).ok).toBe(true);
    const second = await guard.inspect(f.png(), { index: 1 });
    expect(second.ok).toBe(false);
    if (!second.ok)
      expect(second.error.toProblem()).toMatchObject({ status: 413, detail: 'one file per request' });
  });
});

describe('file names are read as UTF-8', () => {
  const mangled = Buffer.from('résumé 文件.png', 'utf8').toString('latin1');

  it('accepts résumé 文件.png whether it arrives as UTF-8, as raw bytes, or decoded as latin1', async () => {
    const guard = createMimeGuard();
    for (const filename of ['résumé 文件.png', mangled, Buffer.from('résumé 文件.png')]) {
      const d = await guard.inspect(f.png(), { filename });
      expect(d.ok).toBe(true);
      if (d.ok) expect(d.filename).toBe('résumé 文件.png');
    }
  });

  it('leaves a real latin1 name alone and still refuses control characters', () => {
    expect(decodeFilename('caf\u00e9.png')).toBe('café.png');
    expect(decodeFilename('a\u0085b.png')).toBe('a\u0085b.png');
    expect(decodeFilename(new Uint8Array([0x63, 0xe9]))).toBe('cé');
  });

  it('never throws, and is idempotent on what it returns (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array().map((b) => Buffer.from(b).toString('latin1')),
        ),
        (s) => {
          const once = decodeFilename(s);
          expect(decodeFilename(once)).toBe(decodeFilename(once));
        },
      ),
    );
  });
});

function pngChunk(type: string, data: Buffer): Buffer {
  const t = Buffer.from(type, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([t, data])));
  return Buffer.concat([len, t, data, crc]);
}

/** A PNG with a metadata chunk between IHDR and IDAT. */
function pngWith(chunk: Buffer): Buffer {
  const base = f.png();
  const ihdrEnd = 8 + 12 + 13;
  return Buffer.concat([base.subarray(0, ihdrEnd), chunk, base.subarray(ihdrEnd)]);
}

/** A JPEG with a segment right after SOI. */
function jpgWith(marker: number, payload: string): Buffer {
  const base = f.jpg();
  const data = Buffer.from(payload, 'latin1');
  const seg = Buffer.concat([
    Buffer.from([0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 255]),
    data,
  ]);
  return Buffer.concat([base.subarray(0, 2), seg, base.subarray(2)]);
}

describe('markup hidden in image metadata', () => {
  const guard = createMimeGuard();
  const refused = async (bytes: Buffer, where: string) => {
    const d = await guard.inspect(bytes);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.error.code).toBe('ERR_MIME_UNSAFE_CONTENT');
      expect(d.error.detail).toBe(`image metadata (${where}) carries HTML or script markup`);
    }
  };

  it('refuses <img src=x onerror=...> in a PNG tEXt chunk (accepted before)', async () => {
    await refused(
      pngWith(pngChunk('tEXt', Buffer.from('Comment\0<img src=x onerror=alert(1)>'))),
      'PNG tEXt',
    );
  });

  it('refuses markup in compressed zTXt and iTXt chunks', async () => {
    const z = Buffer.concat([Buffer.from('Comment\0\0'), deflateSync('<svg onload=alert(1)>')]);
    await refused(pngWith(pngChunk('zTXt', z)), 'PNG zTXt');
    const i = Buffer.concat([
      Buffer.from('Comment\0\x01\0en\0\0'),
      deflateSync('<a href="javascript:alert(1)">x</a>'),
    ]);
    await refused(pngWith(pngChunk('iTXt', i)), 'PNG iTXt');
  });

  it('refuses <a href=javascript:...> in a JPEG comment and markup in an APP segment', async () => {
    await refused(jpgWith(0xfe, '<a href=javascript:alert(1)>click</a>'), 'JPEG COM');
    await refused(jpgWith(0xe1, 'Exif\0\0<img src=x onerror=alert(1)>'), 'JPEG APP1');
  });

  it('accepts ordinary metadata: a plain comment, camera Exif, XMP packets', async () => {
    const xmp =
      '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="1" xmp:CreatorTool="Camera 1.0"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';
    for (const bytes of [
      pngWith(pngChunk('tEXt', Buffer.from('Comment\0Holiday 2026, 3 < 4 & 5 > 2'))),
      pngWith(pngChunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0${xmp}`))),
      jpgWith(0xfe, 'Created with GIMP'),
      jpgWith(0xe1, `http://ns.adobe.com/xap/1.0/\0${xmp}`),
    ])
      expect((await guard.inspect(bytes)).ok).toBe(true);
  });

  it('the metadata reader never throws on attacker bytes (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('png', 'jpg'), fc.uint8Array({ maxLength: 600 }), (id, tail) => {
        const head =
          id === 'png'
            ? Buffer.concat([f.png().subarray(0, 8), tail])
            : Buffer.concat([Buffer.from([0xff, 0xd8]), tail]);
        findImageMetadataMarkup(id, head);
      }),
      { numRuns: 500 },
    );
  });
});

describe('ERR_MIME_MISMATCH detail', () => {
  it('names the declared media type as sent, not escaped (was image\\u{2f}gif)', async () => {
    const d = await createMimeGuard().inspect(f.png(), { filename: 'a.png', declaredType: 'image/gif' });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error.detail).toBe('declared as image/gif but the content is image/png');
  });

  it('still escapes a declared type that is not a media type', async () => {
    const d = await createMimeGuard().inspect(f.png(), { filename: 'a.png', declaredType: 'image/<b>' });
    if (!d.ok)
      expect(d.error.detail).toBe('declared as image\\u{2f}\\u{3c}b\\u{3e} but the content is image/png');
  });
});
