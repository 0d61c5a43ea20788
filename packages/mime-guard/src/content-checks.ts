/** What the guard decides from bytes and claims: the type, claim mismatches, unsafe content. */
import { fileTypeFromBuffer } from 'file-type';
import type { MimeGuardErrorCode } from './errors.js';
import { escapeFilename } from './filename.js';
import { findImageMetadataMarkup } from './image-metadata.js';
import { decodeHead, findCsvFormula, findSvgProblem, sniffText } from './text.js';
import { type DetectedType, describeType, extensionsOf, mediaTypesOf } from './types.js';

/** Why a file is refused, before it becomes a {@link MimeGuardError}. */
export interface Rejection {
  code: MimeGuardErrorCode;
  detail: string;
  type?: DetectedType | undefined;
  extensions?: Record<string, unknown> | undefined;
}

export function mediaTypeEssence(value: string | undefined): string {
  return (value ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * A client's media type made safe to echo: the RFC 6838 name characters stay as they are (so
 * `image/gif` reads `image/gif`, not `image\u{2f}gif`); anything else is escaped.
 */
export function escapeMediaType(value: string): string {
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(value)
    ? value
    : escapeFilename(value, 64);
}

/** Names the type of a head: file-type first, then the text sniff for what it cannot see. */
export async function detectType(
  head: Uint8Array,
  declaredType: string | undefined,
  ext: string | undefined,
): Promise<DetectedType | undefined> {
  let found: { ext: string; mime: string } | undefined;
  try {
    found = await fileTypeFromBuffer(head);
  } catch {
    // A head crafted to break a detector is simply not a type we recognise.
    found = undefined;
  }
  if (found && found.ext !== 'xml') return describeType(found.ext, found.mime);
  const kind = sniffText(head);
  switch (kind) {
    case 'binary':
      return undefined;
    case 'script':
      return describeType('script');
    case 'text': {
      // CSV and plain text share their bytes; the name or declared type picks the stricter reading.
      const declared = mediaTypeEssence(declaredType);
      return ext === 'csv' || declared === 'text/csv' ? describeType('csv') : describeType('txt');
    }
    default:
      return describeType(kind);
  }
}

/** Checks that need only the name, the declared type and the detected type. */
export function checkClaims(
  type: DetectedType,
  declaredType: string | undefined,
  extensions: readonly string[],
  options: { checkExtension: boolean; checkDeclared: boolean },
): Rejection | undefined {
  const last = extensions.at(-1);
  if (options.checkExtension && last !== undefined && !extensionsOf(type.id).includes(last)) {
    return {
      code: 'ERR_MIME_MISMATCH',
      detail: `the file name says .${escapeFilename(last, 16)} but the content is ${type.mime}`,
      type,
    };
  }
  const declared = mediaTypeEssence(declaredType);
  // Clients send octet-stream when they do not know: that claims nothing.
  if (options.checkDeclared && declared !== '' && declared !== 'application/octet-stream') {
    if (declared !== type.mime && !mediaTypesOf(type.id).includes(declared)) {
      return {
        code: 'ERR_MIME_MISMATCH',
        detail: `declared as ${escapeMediaType(declared)} but the content is ${type.mime}`,
        type,
      };
    }
  }
  return undefined;
}

/**
 * Content checks on bytes: the whole file for text types; for images, the head (the first
 * `sampleSize` bytes): strong markup anywhere in it, and any markup in its metadata text
 * (PNG tEXt/zTXt/iTXt, JPEG COM/APPn; docs/mime-guard.md says what is and is not checked).
 */
export function checkContent(type: DetectedType, bytes: Uint8Array): Rejection | undefined {
  if (type.id === 'svg') {
    const problem = findSvgProblem(decodeHead(bytes));
    if (problem) return { code: 'ERR_MIME_UNSAFE_CONTENT', detail: `SVG refused: ${problem}`, type };
  } else if (type.id === 'csv') {
    const line = findCsvFormula(decodeHead(bytes));
    if (line !== undefined) {
      return { code: 'ERR_MIME_UNSAFE_CONTENT', detail: `CSV cell starts a formula on line ${line}`, type };
    }
  } else if (type.category === 'image') {
    // An image whose head carries HTML is a polyglot aimed at content sniffing (GIFAR-style).
    if (containsStrongMarkup(bytes))
      return { code: 'ERR_MIME_UNSAFE_CONTENT', detail: 'image carries HTML or script markup', type };
    const where = findImageMetadataMarkup(type.id, bytes);
    if (where !== undefined)
      return {
        code: 'ERR_MIME_UNSAFE_CONTENT',
        detail: `image metadata (${where}) carries HTML or script markup`,
        type,
      };
  }
  return undefined;
}

// Markup with no business in an image head; long enough that compressed pixels never match by chance.
const STRONG_MARKUP = /<(?:script|html|!doctype html|iframe|body|svg|\?php)[\s>/]/i;

function containsStrongMarkup(bytes: Uint8Array): boolean {
  return STRONG_MARKUP.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
}
