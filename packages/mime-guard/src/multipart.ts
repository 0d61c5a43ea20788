import type { Readable } from 'node:stream';
import { InputError } from '@portcullis/core';
import busboy from 'busboy';
import type { AcceptedUpload, MimeGuard, UploadMeta } from './guard.js';
import { type LingerOptions, lingerAfterRefusal, type RefusalResponse } from './linger.js';
import { createUploadSession, type StoredUpload, type UploadSessionOptions } from './session.js';

const ignoreStreamError = () => {};

/** Options of {@link guardMultipart}. */
export interface MultipartOptions<R> extends Omit<UploadSessionOptions<Readable, R>, 'store'> {
  /** Stores one accepted file: read `file.content` to the end under `file.storageName`. */
  store: (file: AcceptedUpload<Readable>) => Promise<R>;
  /** Most text fields accepted. Default 100. */
  maxFields?: number | undefined;
  /** Longest text field, in bytes. Default 64 KiB. */
  maxFieldSize?: number | undefined;
  /**
   * The Node response the refusal is answered on: after a refusal the connection is closed only
   * once it is out (see {@link lingerAfterRefusal}). Without it, the bounds alone decide.
   */
  response?: RefusalResponse | undefined;
  /** How much of a refused body is still read after the answer. Default 1 MiB or 2 s. */
  linger?: LingerOptions | undefined;
}

/** What a request's multipart body gave: every stored file and the text fields. */
export interface MultipartResult<R> {
  files: StoredUpload<R>[];
  /** Text fields of the form (a null-prototype object). */
  fields: Record<string, string>;
}

/** True when `contentType` announces a multipart form. */
export function isMultipartForm(contentType: string | undefined): boolean {
  return /^multipart\/form-data\b/i.test(contentType ?? '');
}

/**
 * Reads a multipart body as a stream (busboy), never buffered whole: each file goes through the
 * MIME guard into `store` as it arrives, one request one outcome (the upload session: the first
 * refusal wins, later files are drained, stored files are removed). A file over the guard's size
 * limit is the guard's 413 (counted as an upload rejection), not a parser's silent cut; more
 * files than the guard's `maxFiles` is its 413 too. The promise settles at the first refusal,
 * as soon as the limit is passed: parsing stops and the rest of the body is discarded for a
 * bounded while after the answer ({@link lingerAfterRefusal}), so a client still sending reads
 * the answer and a 50 MB body is not read to refuse it. Shared by the
 * adapters whose framework gives a raw body stream (Express, Hono on Node).
 *
 * @example
 * ```ts
 * const { files, fields } = await guardMultipart(guard, req, req.headers, {
 *   store: (f) => pipeline(f.content, createWriteStream(join(dir, f.storageName))),
 * });
 * ```
 */
export function guardMultipart<R>(
  guard: MimeGuard,
  body: Readable,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  options: MultipartOptions<R>,
): Promise<MultipartResult<R>> {
  if (!isMultipartForm(typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined)) {
    body.resume();
    return Promise.reject(new InputError('ERR_INPUT_INVALID', 'expected a multipart/form-data body'));
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: headers as busboy.BusboyConfig['headers'],
      defParamCharset: 'utf8',
      limits: {
        // One byte over the guard's limit, so the guard (not busboy's silent cut) reports the 413.
        fileSize: guard.maxFileSize + 1,
        fields: options.maxFields ?? 100,
        fieldSize: options.maxFieldSize ?? 64 * 1024,
      },
    });
  } catch {
    body.resume();
    return Promise.reject(new InputError('ERR_INPUT_INVALID', 'expected a multipart/form-data body'));
  }
  const session = createUploadSession<Readable, R>(guard, options);
  const fields: Record<string, string> = Object.create(null);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      session.finish().then((files) => resolve({ files, fields }), reject);
    };
    let stopped = false;
    // The first failure ends the reading: nothing more is parsed, the answer can go out now, and
    // the rest of the body is discarded for a bounded while (lingerAfterRefusal), not read whole.
    const stop = () => {
      if (stopped) return;
      stopped = true;
      body.unpipe(parser);
      lingerAfterRefusal(body, options.response, options.linger);
      // Destroying the parser ends the file stream it was feeding, so every pending file settles.
      parser.destroy();
      settle();
    };
    session.signal.addEventListener('abort', () => queueMicrotask(stop), { once: true });
    parser.on('file', (field, stream, info) => {
      const meta: Omit<UploadMeta, 'index'> = { field, filename: info.filename, declaredType: info.mimeType };
      // Past its cut busboy skips the rest of the file as fast as it arrives, while the guard is
      // still reading what came before it (12 MB more read for a 1 MiB limit, measured). The
      // request fails once the guard reaches the cut (the cut is one byte over its largest limit),
      // so stop feeding the parser now.
      stream.once('limit', () => body.unpipe(parser));
      // Destroying the parser at a refusal destroys the file it is feeding with an error; the
      // guard may hold no listener on that file any more (its head already judged), and an
      // 'error' without a listener would crash the process. The session learns of failures on
      // its own paths, so this listener only keeps the error from being unhandled.
      stream.on('error', ignoreStreamError);
      void session.add(stream, meta);
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated)
        session.abort(new InputError('ERR_INPUT_TOO_LARGE', `form field ${name.slice(0, 64)} is too long`));
      else fields[name] = value;
    });
    parser.on('fieldsLimit', () =>
      session.abort(new InputError('ERR_INPUT_TOO_LARGE', 'too many form fields')),
    );
    parser.once('close', settle);
    parser.once('error', (err) => {
      session.abort(new InputError('ERR_INPUT_INVALID', 'malformed multipart body', { cause: err }));
      stop();
    });
    body.once('error', (err) => {
      session.abort(new InputError('ERR_INPUT_INVALID', 'the request body was cut off', { cause: err }));
    });
    body.pipe(parser);
  });
}
