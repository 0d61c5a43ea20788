import {
  ConfigError,
  checkOptions,
  type EventBus,
  InputError,
  type KnownOptions,
  type SecurityContext,
} from '@portcullis/core';
import { checkClaims, checkContent, detectType, type Rejection } from './content-checks.js';
import { MimeGuardError } from './errors.js';
import { decodeFilename, escapeFilename, inspectFilename, safeStorageName } from './filename.js';
import { withMimeGuardKit } from './kit.js';
import type { Replay, ReplayChecks, UploadSource } from './source.js';
import { type Head, readerFor } from './source-reader.js';
import {
  ALWAYS_REFUSED_TYPES,
  DEFAULT_ALLOWED_TYPES,
  type DetectedType,
  describeType,
  MIME_PRESETS,
  type MimePresetName,
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
/**
 * Default number of files per request: one. A request is one outcome (every file stored, or
 * none); apps that take several files at once raise it and store through an upload session.
 */
export const DEFAULT_MAX_FILES = 1;

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
  /** Most files in one request. Default 1. */
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
  /**
   * Client-supplied name; checked, kept as metadata only. Raw bytes, or a string a parser decoded
   * as latin1, are read as UTF-8 (see `decodeFilename`).
   */
  filename?: string | Uint8Array | undefined;
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
  /**
   * Takes over `upload_stored`: the guard hands the publication to this function instead of
   * publishing when the file is through (an upload session publishes once the request's every
   * file is stored, so a refused request never reports a stored file).
   */
  deferStoredEvent?: ((publish: () => void) => void) | undefined;
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
  /** The client's name, decoded as UTF-8 (metadata only: escape it before showing it). */
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
  checkOptions('createMimeGuard', options, {
    allow: true,
    maxFileSize: true,
    maxFileSizeByType: true,
    maxFiles: true,
    checkDeclaredType: true,
    checkExtension: true,
    sampleSize: true,
    context: true,
    events: true,
  } satisfies KnownOptions<MimeGuardOptions>);
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
    const name = meta.filename === undefined ? undefined : escapeFilename(decodeFilename(meta.filename));
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

  async function inspect<S extends UploadSource>(
    source: S,
    meta: UploadMeta = {},
  ): Promise<UploadDecision<Replay<S>>> {
    const reader = readerFor(source, () => meta.isTruncated?.() === true);
    const refuse = (r: Rejection, bytesRead: number): RejectedUpload => {
      reader.discard();
      return reject(r, meta, bytesRead);
    };
    const sourceError = (error: unknown) =>
      new InputError('ERR_INPUT_INVALID', 'the upload stream failed before the file was complete', {
        cause: error,
      });
    const truncatedRejection = (type?: DetectedType): Rejection => ({
      code: 'ERR_MIME_TRUNCATED',
      detail: 'the file was cut at the size limit',
      type,
    });

    if (meta.index !== undefined && meta.index >= maxFiles) {
      const detail = maxFiles === 1 ? 'one file per request' : `at most ${maxFiles} files per request`;
      return refuse({ code: 'ERR_MIME_TOO_MANY_FILES', detail }, 0);
    }
    const filename = meta.filename === undefined ? undefined : decodeFilename(meta.filename);
    const name = filename === undefined ? undefined : inspectFilename(filename);
    if (name?.problem) {
      return refuse({ code: 'ERR_MIME_BAD_FILENAME', detail: `file name refused: ${name.problem}` }, 0);
    }

    let head: Head;
    try {
      head = await reader.peek(sampleSize);
    } catch (error) {
      throw sourceError(error);
    }
    if (head.ended && reader.truncated()) return refuse(truncatedRejection(), head.bytesRead);
    if (head.knownSize === 0) return refuse({ code: 'ERR_MIME_EMPTY', detail: 'the file has no content' }, 0);

    const type = await detectType(head.sample, meta.declaredType, name?.extensions.at(-1));
    if (type?.category === 'executable') {
      return refuse(
        { code: 'ERR_MIME_EXECUTABLE', detail: `${type.mime} content is never accepted`, type },
        head.bytesRead,
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
        head.bytesRead,
      );
    }
    const claims = checkClaims(type, meta.declaredType, name?.extensions ?? [], {
      checkExtension,
      checkDeclared,
    });
    if (claims) return refuse(claims, head.bytesRead);

    const limit = limitFor(type.id);
    const tooLarge: Rejection = {
      code: 'ERR_MIME_TOO_LARGE',
      detail: `${type.mime} files are limited to ${limit} bytes`,
      type,
      extensions: { limit },
    };
    if ((head.knownSize ?? head.total) > limit) return refuse(tooLarge, head.bytesRead);

    const storageName = safeStorageName(type);
    const stored = (size: number) => {
      const publish = () => publishStored(type, storageName, size, meta);
      if (meta.deferStoredEvent) meta.deferStoredEvent(publish);
      else publish();
    };
    const accepted = (
      content: Replay<S>,
      size: number | undefined,
      read: number,
    ): AcceptedUpload<Replay<S>> => ({
      ok: true,
      type,
      storageName,
      filename,
      declaredType: meta.declaredType,
      field: meta.field,
      size,
      bytesRead: read,
      content,
    });

    // Text types are scanned whole: a script after the first 4 KB is still a script.
    if (type.category === 'text') {
      let whole: Uint8Array | undefined;
      try {
        whole = await reader.readWhole(head, limit);
      } catch (error) {
        throw sourceError(error);
      }
      if (whole === undefined) return refuse(tooLarge, limit);
      if (reader.truncated()) return refuse(truncatedRejection(type), whole.length);
      if (whole.length === 0) return refuse({ code: 'ERR_MIME_EMPTY', detail: 'the file has no content' }, 0);
      const unsafe = checkContent(type, whole);
      if (unsafe) return refuse(unsafe, whole.length);
      stored(whole.length);
      return accepted(reader.replayWhole(whole), whole.length, whole.length);
    }

    const unsafe = checkContent(type, head.sample);
    if (unsafe) return refuse(unsafe, head.bytesRead);

    if (!reader.streaming) {
      stored(head.knownSize ?? head.total);
      return accepted(source as Replay<S>, head.knownSize, head.bytesRead);
    }
    let failed = false;
    const checks: ReplayChecks = {
      onBytes(total) {
        if (total <= limit) return undefined;
        failed = true;
        return reject(tooLarge, meta, total).error;
      },
      onEnd(total) {
        if (reader.truncated()) {
          failed = true;
          return reject(truncatedRejection(type), meta, total).error;
        }
        if (!failed) stored(total);
        return undefined;
      },
      onSourceError: sourceError,
    };
    return accepted(reader.replay(head, checks), head.ended ? head.total : undefined, head.bytesRead);
  }

  return withMimeGuardKit({ inspect, allowedTypes, maxFileSize: largestLimit, maxFiles, limitFor });
}
