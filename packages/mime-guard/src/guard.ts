import { Readable } from 'node:stream';
import { ConfigError, type EventBus, InputError, type SecurityContext } from '@portcullis/core';
import { fileTypeFromBuffer } from 'file-type';
import { MimeGuardError, type MimeGuardErrorCode } from './errors.js';
import { escapeFilename, inspectFilename, safeStorageName } from './filename.js';
import {
  concat,
  drain,
  isNodeReadable,
  isWebStream,
  type Peeked,
  peekNode,
  peekWeb,
  type Replay,
  type ReplayChecks,
  readRestNode,
  readRestWeb,
  replayNode,
  replayWeb,
  type UploadSource,
} from './source.js';
import { decodeHead, findCsvFormula, findSvgProblem, sniffText } from './text.js';
import {
  ALWAYS_REFUSED_TYPES,
  DEFAULT_ALLOWED_TYPES,
  type DetectedType,
  describeType,
  extensionsOf,
  MIME_PRESETS,
  type MimePresetName,
  mediaTypesOf,
} from './types.js';

/**
 * Bytes file-type needs to tell its formats apart ("a fair amount of file types are detectable
 * within this range": file-type's `reasonableDetectionSizeInBytes`).
 */
export const DEFAULT_SAMPLE_SIZE = 4100;
/** Default per-file limit; OWASP File Upload Cheat Sheet asks for one, 10 MiB suits photos and PDFs. */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;
/** Default limit for text types (SVG, CSV, ...), which are read whole to be scanned. */
export const DEFAULT_MAX_TEXT_SIZE = 1024 * 1024;
/** Default number of files per request. */
export const DEFAULT_MAX_FILES = 10;

/** Options of {@link createMimeGuard}. */
export interface MimeGuardOptions {
  /**
   * Allowed type ids (`png`, `pdf`, `svg`, `csv`, `zip`, ...) and preset names (`images`,
   * `documents`, `archives`). Default: `images` + `pdf`. Executables cannot be allowed.
   */
  allow?: readonly (string | MimePresetName)[] | undefined;
  /** Largest file accepted, in bytes. Default 10 MiB. */
  maxFileSize?: number | undefined;
  /** Per-type limits in bytes (`{ pdf: 20_000_000 }`); text types default to 1 MiB. */
  maxFileSizeByType?: Readonly<Record<string, number>> | undefined;
  /** Most files in one request. Default 10. */
  maxFiles?: number | undefined;
  /** Refuse when the declared `Content-Type` names another type. Default true. */
  checkDeclaredType?: boolean | undefined;
  /** Refuse when the name's extension belongs to another type. Default true. */
  checkExtension?: boolean | undefined;
  /** Head size read for detection. Default 4100 (file-type's sample size). */
  sampleSize?: number | undefined;
  /** Where `upload_rejected` and `upload_stored` are published. */
  /** The app's security context: its bus unless `events` is given. */
  context?: Pick<SecurityContext, 'events'> | undefined;
  events?: EventBus | undefined;
}

/** Facts about one uploaded file that come from the request, never trusted for the verdict. */
export interface UploadMeta {
  /** Client-supplied name; checked, kept as metadata only. */
  filename?: string | undefined;
  /** Client-declared `Content-Type` of the part. */
  declaredType?: string | undefined;
  /** Form field name. */
  field?: string | undefined;
  /** 0-based position of the file in the request, for the file-count limit. */
  index?: number | undefined;
  /**
   * Tells whether the parser cut the file at its size limit (busboy's `truncated`). Streams with
   * a `truncated` property (busboy, @fastify/multipart) are read without it.
   */
  isTruncated?: (() => boolean) | undefined;
  /** Context copied onto the published events. */
  userId?: string | undefined;
  clientAddress?: string | undefined;
  requestId?: string | undefined;
}

/** The file passed the checks made before any byte reached storage. */
export interface AcceptedUpload<C> {
  readonly ok: true;
  readonly type: DetectedType;
  /** Random name with the canonical extension: store under this, never the client's name. */
  readonly storageName: string;
  readonly filename: string | undefined;
  readonly declaredType: string | undefined;
  readonly field: string | undefined;
  /** Size in bytes when known now (buffers, blobs, small streams). */
  readonly size: number | undefined;
  /** Bytes read from the source to decide. */
  readonly bytesRead: number;
  /**
   * The exact original bytes, as the same kind of value as the source. A stream replay fails
   * with a {@link MimeGuardError} (413) if the file later exceeds its limit or was truncated.
   */
  readonly content: C;
}

/** The file was refused; its source has been drained. */
export interface RejectedUpload {
  readonly ok: false;
  readonly error: MimeGuardError;
  readonly type: DetectedType | undefined;
  readonly field: string | undefined;
  readonly bytesRead: number;
}

/** What {@link MimeGuard.inspect} returns. */
export type UploadDecision<C> = AcceptedUpload<C> | RejectedUpload;

/** A configured guard. Stateless between calls; safe to share. */
export interface MimeGuard {
  /**
   * Judges one file by its bytes. Never throws for a bad file (that is a rejected decision); a
   * source that fails while being read (client abort) rejects with `ERR_INPUT_INVALID`.
   */
  inspect<S extends UploadSource>(source: S, meta?: UploadMeta): Promise<UploadDecision<Replay<S>>>;
  /** The allowed types, resolved from presets. */
  readonly allowedTypes: readonly DetectedType[];
  /** The largest per-file limit over every allowed type (what a parser's own limit should be). */
  readonly maxFileSize: number;
  readonly maxFiles: number;
  /** Size limit for a type id. */
  limitFor(typeId: string): number;
}

interface Rejection {
  code: MimeGuardErrorCode;
  detail: string;
  type?: DetectedType | undefined;
  extensions?: Record<string, unknown> | undefined;
}

function mediaTypeEssence(value: string | undefined): string {
  return (value ?? '').split(';')[0]!.trim().toLowerCase();
}

function resolveAllow(allow: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const entry of allow) {
    const preset = (MIME_PRESETS as Record<string, readonly string[]>)[entry];
    for (const id of preset ?? [entry]) ids.add(id.toLowerCase());
  }
  return [...ids];
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer`);
  return value;
}

/**
 * Creates an upload guard that judges files by their magic bytes (file-type), against an
 * allow-list, with name, declared-type, size and content checks.
 *
 * @example
 * ```ts
 * const guard = createMimeGuard({ allow: ['images', 'pdf'], maxFileSize: 5_000_000 });
 * const decision = await guard.inspect(fileStream, { filename: 'cat.png', declaredType: 'image/png' });
 * if (!decision.ok) throw decision.error; // 415 / 422 / 413 problem
 * await pipeline(decision.content, createWriteStream(join(dir, decision.storageName)));
 * ```
 */
export function createMimeGuard(options: MimeGuardOptions = {}): MimeGuard {
  const allowIds = resolveAllow(options.allow ?? DEFAULT_ALLOWED_TYPES);
  if (allowIds.length === 0) throw new ConfigError('allow must name at least one type');
  for (const id of allowIds) {
    if (ALWAYS_REFUSED_TYPES.includes(id)) {
      throw new ConfigError(`"${id}" is an executable or script type and can never be allowed`);
    }
  }
  const allowed = new Set(allowIds);
  const allowedTypes = Object.freeze(allowIds.map((id) => Object.freeze(describeType(id))));
  const allowedList = allowedTypes.map((t) => t.mime).filter((m, i, a) => a.indexOf(m) === i);
  const maxFileSize = positive('maxFileSize', options.maxFileSize, DEFAULT_MAX_FILE_SIZE);
  const maxFiles = positive('maxFiles', options.maxFiles, DEFAULT_MAX_FILES);
  const sampleSize = positive('sampleSize', options.sampleSize, DEFAULT_SAMPLE_SIZE);
  const byType = new Map<string, number>();
  for (const [id, n] of Object.entries(options.maxFileSizeByType ?? {})) {
    byType.set(id.toLowerCase(), positive(`maxFileSizeByType.${id}`, n, maxFileSize));
  }
  const checkDeclared = options.checkDeclaredType ?? true;
  const checkExtension = options.checkExtension ?? true;
  const events = options.events ?? options.context?.events;

  const limitFor = (id: string): number => {
    const own = byType.get(id);
    if (own !== undefined) return own;
    return describeType(id).category === 'text' ? Math.min(maxFileSize, DEFAULT_MAX_TEXT_SIZE) : maxFileSize;
  };
  const largestLimit = Math.max(...allowIds.map(limitFor));

  const reject = (r: Rejection, meta: UploadMeta, bytesRead: number): RejectedUpload => {
    const name = meta.filename === undefined ? undefined : escapeFilename(meta.filename);
    const extensions: Record<string, unknown> = { ...r.extensions };
    if (name !== undefined) extensions.filename = name;
    if (meta.index !== undefined) extensions.fileIndex = meta.index;
    if (r.type) extensions.detectedType = r.type.mime;
    const error = new MimeGuardError(r.code, r.detail, { extensions });
    publishRejected(error, r.type, meta);
    return { ok: false, error, type: r.type, field: meta.field, bytesRead };
  };

  function publishRejected(error: MimeGuardError, type: DetectedType | undefined, meta: UploadMeta) {
    if (!events || events.listenerCount === 0) return;
    const attributes = {
      status: error.status,
      detectedType: type?.id,
      field: meta.field === undefined ? undefined : escapeFilename(meta.field, 64),
    };
    events.publish({
      name: 'upload_rejected',
      reason: error.code,
      userId: meta.userId,
      clientAddress: meta.clientAddress,
      requestId: meta.requestId,
      attributes,
    });
  }

  function publishStored(type: DetectedType, storageName: string, size: number, meta: UploadMeta) {
    if (!events || events.listenerCount === 0) return;
    events.publish({
      name: 'upload_stored',
      resource: storageName,
      userId: meta.userId,
      clientAddress: meta.clientAddress,
      requestId: meta.requestId,
      attributes: { type: type.id, size },
    });
  }

  /** Names the type of a head: file-type first, then the text sniff for what it cannot see. */
  async function detect(
    head: Uint8Array,
    meta: UploadMeta,
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
        const declared = mediaTypeEssence(meta.declaredType);
        return ext === 'csv' || declared === 'text/csv' ? describeType('csv') : describeType('txt');
      }
      default:
        return describeType(kind);
    }
  }

  /** Checks that need only the name, the declared type and the detected type. */
  function checkClaims(
    type: DetectedType,
    meta: UploadMeta,
    extensions: readonly string[],
  ): Rejection | undefined {
    const last = extensions.at(-1);
    if (checkExtension && last !== undefined && !extensionsOf(type.id).includes(last)) {
      return {
        code: 'ERR_MIME_MISMATCH',
        detail: `the file name says .${escapeFilename(last, 16)} but the content is ${type.mime}`,
        type,
      };
    }
    const declared = mediaTypeEssence(meta.declaredType);
    // Clients send octet-stream when they do not know: that claims nothing.
    if (checkDeclared && declared !== '' && declared !== 'application/octet-stream') {
      if (declared !== type.mime && !mediaTypesOf(type.id).includes(declared)) {
        return {
          code: 'ERR_MIME_MISMATCH',
          detail: `declared as ${escapeFilename(declared, 64)} but the content is ${type.mime}`,
          type,
        };
      }
    }
    return undefined;
  }

  /** Content checks on bytes: the whole file for text types, the head for binary images. */
  function checkContent(type: DetectedType, bytes: Uint8Array): Rejection | undefined {
    if (type.id === 'svg') {
      const problem = findSvgProblem(decodeHead(bytes));
      if (problem) return { code: 'ERR_MIME_UNSAFE_CONTENT', detail: `SVG refused: ${problem}`, type };
    } else if (type.id === 'csv') {
      const line = findCsvFormula(decodeHead(bytes));
      if (line !== undefined) {
        return { code: 'ERR_MIME_UNSAFE_CONTENT', detail: `CSV cell starts a formula on line ${line}`, type };
      }
    } else if (type.category === 'image' && containsStrongMarkup(bytes)) {
      // An image whose head carries HTML is a polyglot aimed at content sniffing (GIFAR-style).
      return { code: 'ERR_MIME_UNSAFE_CONTENT', detail: 'image carries HTML or script markup', type };
    }
    return undefined;
  }

  async function inspect<S extends UploadSource>(
    source: S,
    meta: UploadMeta = {},
  ): Promise<UploadDecision<Replay<S>>> {
    const node = isNodeReadable(source) ? source : undefined;
    const reader = !node && isWebStream(source) ? source.getReader() : undefined;
    const refuse = (r: Rejection, bytesRead: number): RejectedUpload => {
      if (node) drain(node);
      else if (reader) reader.cancel().catch(() => {});
      return reject(r, meta, bytesRead);
    };
    const truncated = () =>
      meta.isTruncated?.() === true ||
      (node !== undefined && (node as { truncated?: unknown }).truncated === true);
    const sourceError = (error: unknown) =>
      new InputError('ERR_INPUT_INVALID', 'the upload stream failed before the file was complete', {
        cause: error,
      });

    if (meta.index !== undefined && meta.index >= maxFiles) {
      return refuse({ code: 'ERR_MIME_TOO_MANY_FILES', detail: `at most ${maxFiles} files per request` }, 0);
    }
    const name = meta.filename === undefined ? undefined : inspectFilename(meta.filename);
    if (name?.problem) {
      return refuse({ code: 'ERR_MIME_BAD_FILENAME', detail: `file name refused: ${name.problem}` }, 0);
    }

    let peeked: Peeked;
    let knownSize: number | undefined;
    try {
      if (node) peeked = await peekNode(node, sampleSize);
      else if (reader) peeked = await peekWeb(reader, sampleSize);
      else if (source instanceof Uint8Array) {
        peeked = { chunks: [source], total: source.length, ended: true };
      } else {
        const blob = source as Blob;
        const head = new Uint8Array(await blob.slice(0, sampleSize).arrayBuffer());
        peeked = { chunks: [head], total: head.length, ended: blob.size <= sampleSize };
        knownSize = blob.size;
      }
    } catch (error) {
      if (node) drain(node);
      throw sourceError(error);
    }
    if (peeked.ended) knownSize = peeked.total;
    // Bytes pulled from the source to decide: a stream's chunks so far, or the head of bytes in memory.
    const bytesRead = node || reader ? peeked.total : Math.min(peeked.total, sampleSize);

    if (peeked.ended && truncated()) {
      return refuse({ code: 'ERR_MIME_TRUNCATED', detail: 'the file was cut at the size limit' }, bytesRead);
    }
    if (knownSize === 0) return refuse({ code: 'ERR_MIME_EMPTY', detail: 'the file has no content' }, 0);

    const headAll = concat(peeked.chunks, peeked.total);
    const head = headAll.length > sampleSize ? headAll.subarray(0, sampleSize) : headAll;
    const type = await detect(head, meta, name?.extensions.at(-1));
    if (type?.category === 'executable') {
      return refuse(
        { code: 'ERR_MIME_EXECUTABLE', detail: `${type.mime} content is never accepted`, type },
        bytesRead,
      );
    }
    // An animated PNG is a PNG to every browser: allowing `png` allows it.
    const isAllowed =
      type !== undefined && (allowed.has(type.id) || (type.id === 'apng' && allowed.has('png')));
    if (!type || !isAllowed) {
      const what = type ? type.mime : 'an unrecognised type';
      return refuse(
        {
          code: 'ERR_MIME_NOT_ALLOWED',
          detail: `the content is ${what}; allowed: ${allowedList.join(', ')}`,
          type,
          extensions: { allowed: allowedList },
        },
        bytesRead,
      );
    }
    const claims = checkClaims(type, meta, name?.extensions ?? []);
    if (claims) return refuse(claims, bytesRead);

    const limit = limitFor(type.id);
    const tooLarge: Rejection = {
      code: 'ERR_MIME_TOO_LARGE',
      detail: `${type.mime} files are limited to ${limit} bytes`,
      type,
      extensions: { limit },
    };
    if ((knownSize ?? peeked.total) > limit) return refuse(tooLarge, bytesRead);

    const storageName = safeStorageName(type);
    const accepted = (
      content: unknown,
      size: number | undefined,
      read: number,
    ): AcceptedUpload<Replay<S>> => ({
      ok: true,
      type,
      storageName,
      filename: meta.filename,
      declaredType: meta.declaredType,
      field: meta.field,
      size,
      bytesRead: read,
      content: content as Replay<S>,
    });

    // Text types are scanned whole: a script after the first 4 KB is still a script.
    if (type.category === 'text') {
      let whole: Uint8Array | undefined;
      try {
        if (node) whole = await readRestNode(node, peeked, limit);
        else if (reader) whole = await readRestWeb(reader, peeked, limit);
        else if (source instanceof Uint8Array) whole = source;
        else whole = new Uint8Array(await (source as Blob).arrayBuffer());
      } catch (error) {
        throw sourceError(error);
      }
      if (whole === undefined) return refuse(tooLarge, limit);
      if (truncated()) {
        return refuse(
          { code: 'ERR_MIME_TRUNCATED', detail: 'the file was cut at the size limit', type },
          whole.length,
        );
      }
      if (whole.length === 0) return refuse({ code: 'ERR_MIME_EMPTY', detail: 'the file has no content' }, 0);
      const unsafe = checkContent(type, whole);
      if (unsafe) return refuse(unsafe, whole.length);
      publishStored(type, storageName, whole.length, meta);
      const content = node
        ? Readable.from([whole], { objectMode: false })
        : reader
          ? new ReadableStream<Uint8Array>({
              start(c) {
                c.enqueue(whole);
                c.close();
              },
            })
          : source;
      return accepted(content, whole.length, whole.length);
    }

    const unsafe = checkContent(type, head);
    if (unsafe) return refuse(unsafe, bytesRead);

    if (!node && !reader) {
      publishStored(type, storageName, knownSize ?? peeked.total, meta);
      return accepted(source, knownSize, bytesRead);
    }
    let failed = false;
    const checks: ReplayChecks = {
      onBytes(total) {
        if (total <= limit) return undefined;
        failed = true;
        return reject(tooLarge, meta, total).error;
      },
      onEnd(total) {
        if (truncated()) {
          failed = true;
          return reject(
            { code: 'ERR_MIME_TRUNCATED', detail: 'the file was cut at the size limit', type },
            meta,
            total,
          ).error;
        }
        if (!failed) publishStored(type, storageName, total, meta);
        return undefined;
      },
      onSourceError: sourceError,
    };
    const content = node ? replayNode(node, peeked, checks) : replayWeb(reader!, peeked, checks);
    return accepted(content, peeked.ended ? peeked.total : undefined, bytesRead);
  }

  return { inspect, allowedTypes, maxFileSize: largestLimit, maxFiles, limitFor };
}

// Markup with no business in an image head; long enough that compressed pixels never match by chance.
const STRONG_MARKUP = /<(?:script|html|!doctype html|iframe|body|svg|\?php)[\s>/]/i;

function containsStrongMarkup(bytes: Uint8Array): boolean {
  return STRONG_MARKUP.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
}
