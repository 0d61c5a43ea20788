/**
 * Markup hidden in image metadata. A browser never renders an image's metadata, but an image
 * served without `nosniff`, or copied into an HTML page by a viewer or a CMS that prints its
 * comment, turns `<img src=x onerror=...>` in a PNG text chunk into script. The guard reads the
 * metadata segments that come before the pixel data, where encoders put them (PNG tEXt, zTXt and
 * iTXt before IDAT; JPEG COM and APP0..APP15 before SOS), within the head it has read, and
 * refuses HTML or script markup in their text. What it does not read is listed in
 * docs/mime-guard.md: serving with `nosniff`, `Content-Disposition` and a sandbox CSP covers it.
 */
import { inflateSync } from 'node:zlib';

/** Most bytes a compressed text chunk may inflate to when scanned (a small bomb inflates no further). */
const MAX_INFLATED = 64 * 1024;

/**
 * Markup no legitimate metadata text carries. XMP (namespaced XML: `<x:xmpmeta>`, `<rdf:RDF>`)
 * does not match: only HTML element names, script URLs and event-handler attributes do.
 */
const METADATA_MARKUP =
  /<\s*\/?\s*(?:script|img|iframe|a|svg|object|embed|html|body|style|meta|link|form|input|button|video|audio|math|base|frame|frameset|details|marquee|template)(?=[\s/>])|javascript:|vbscript:|data:text\/html|\bon[a-z]{3,}\s*=/i;

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

function inflated(b: Uint8Array): string | undefined {
  try {
    return inflateSync(b, { maxOutputLength: MAX_INFLATED, finishFlush: 2 /* Z_SYNC_FLUSH */ }).toString(
      'latin1',
    );
  } catch {
    return undefined;
  }
}

function pngTexts(bytes: Uint8Array): Array<[where: string, text: string]> {
  const out: Array<[string, string]> = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 8;
  while (off + 8 <= bytes.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    if (type === 'IDAT' || type === 'IEND') break;
    const data = bytes.subarray(off + 8, Math.min(bytes.length, off + 8 + len));
    const nul = data.indexOf(0);
    if (type === 'tEXt') out.push([`PNG tEXt`, latin1(data)]);
    else if (type === 'zTXt' && nul >= 0) {
      const text = inflated(data.subarray(nul + 2));
      out.push(['PNG zTXt', `${latin1(data.subarray(0, nul))} ${text ?? ''}`]);
    } else if (type === 'iTXt' && nul >= 0) {
      const compressed = data[nul + 1] === 1;
      // keyword \0 flag method language \0 translated keyword \0 text
      let p = nul + 3;
      for (let skip = 0; skip < 2 && p < data.length; skip++) {
        const z = data.indexOf(0, p);
        p = z < 0 ? data.length : z + 1;
      }
      const body = data.subarray(p);
      out.push([
        'PNG iTXt',
        `${latin1(data.subarray(0, p))} ${compressed ? (inflated(body) ?? '') : latin1(body)}`,
      ]);
    }
    off += 12 + len;
  }
  return out;
}

function jpegTexts(bytes: Uint8Array): Array<[where: string, text: string]> {
  const out: Array<[string, string]> = [];
  let off = 2;
  while (off + 4 <= bytes.length) {
    if (bytes[off] !== 0xff) break;
    const marker = bytes[off + 1]!;
    if (marker === 0xff) {
      off++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // start of scan, end of image
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      off += 2;
      continue;
    }
    const len = (bytes[off + 2]! << 8) | bytes[off + 3]!;
    const data = bytes.subarray(off + 4, Math.min(bytes.length, off + 2 + len));
    if (marker === 0xfe) out.push(['JPEG COM', latin1(data)]);
    else if (marker >= 0xe0 && marker <= 0xef) out.push([`JPEG APP${marker - 0xe0}`, latin1(data)]);
    off += 2 + len;
  }
  return out;
}

/**
 * Where markup hides in the metadata of an image head (`PNG tEXt`, `JPEG COM`, ...), or undefined.
 * PNG (and APNG) and JPEG are read; other image types only get the guard's strong-markup scan.
 */
export function findImageMetadataMarkup(typeId: string, head: Uint8Array): string | undefined {
  const texts =
    typeId === 'png' || typeId === 'apng' ? pngTexts(head) : typeId === 'jpg' ? jpegTexts(head) : [];
  for (const [where, text] of texts) if (METADATA_MARKUP.test(text)) return where;
  return undefined;
}
