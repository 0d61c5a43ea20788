import type { Readable } from 'node:stream';
import { InputError, isPortcullisError } from '@portcullis/core';
import type { UploadsState } from '@portcullis/http';
import {
  type AcceptedUpload,
  createUploadSession,
  type MimeGuard,
  type StoredUpload,
  type UploadMeta,
} from '@portcullis/mime-guard';
import busboy from 'busboy';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { requestState, sendProblem } from './http.js';

/** Options of {@link guardUploads}. */
export interface ExpressUploadsOptions<R> {
  /** Stores one accepted file: read `file.content` to the end under `file.storageName`. */
  store: (file: AcceptedUpload<Readable>, req: Request) => Promise<R>;
  /** Removes a stored file when another file of the request is refused. */
  remove?: ((stored: StoredUpload<R>, req: Request) => Promise<void>) | undefined;
  /** Event context for `upload_rejected` / `upload_stored` (user id, resolved client address...). */
  context?: ((req: Request) => Pick<UploadMeta, 'userId' | 'clientAddress' | 'requestId'>) | undefined;
}

/**
 * Express middleware that parses a multipart request with busboy, streams each file through the
 * MIME guard into `store` (never buffered whole), and stashes the stored files on
 * `req.portcullis.uploads`. A refused file answers its problem (415, 422 or 413) once the rest of
 * the body has been drained; stored files are then removed through `remove`.
 *
 * @example
 * ```ts
 * const guard = createMimeGuard({ allow: ['images', 'pdf'] });
 * app.post('/files', guardUploads(guard, {
 *   store: (file) => pipeline(file.content, createWriteStream(join(dir, file.storageName))),
 * }), (req, res) => res.json(req.portcullis?.uploads));
 * ```
 */
export function guardUploads<R>(guard: MimeGuard, options: ExpressUploadsOptions<R>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const path = req.originalUrl.split('?')[0] ?? '/';
    const fail = (err: unknown) => {
      if (isPortcullisError(err)) sendProblem(res, err, path);
      else next(err);
    };
    if (!/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')) {
      fail(new InputError('ERR_INPUT_INVALID', 'expected a multipart/form-data body'));
      return;
    }
    let parser: busboy.Busboy;
    try {
      // One byte over the guard's limit, so the guard (not busboy's silent cut) reports the 413.
      parser = busboy({ headers: req.headers, limits: { fileSize: guard.maxFileSize + 1 } });
    } catch {
      fail(new InputError('ERR_INPUT_INVALID', 'expected a multipart/form-data body'));
      return;
    }
    const remove = options.remove;
    const session = createUploadSession<Readable, R>(guard, {
      store: (file) => options.store(file, req),
      remove: remove && ((stored) => remove(stored, req)),
      context: options.context?.(req),
    });
    const fields: Record<string, string> = Object.create(null);
    let settled = false;
    parser.on('file', (field, stream, info) => {
      void session.add(stream, { field, filename: info.filename, declaredType: info.mimeType });
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.once('close', () => {
      session.finish().then(
        (files) => {
          if (settled) return;
          settled = true;
          requestState(req).uploads = { files, fields } satisfies UploadsState<R> as UploadsState;
          next();
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          fail(err);
        },
      );
    });
    parser.once('error', (err) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume();
      fail(new InputError('ERR_INPUT_INVALID', 'malformed multipart body', { cause: err }));
    });
    req.pipe(parser);
  };
}

export type { UploadsState } from '@portcullis/http';
