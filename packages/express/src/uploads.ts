import type { Readable } from 'node:stream';
import { isPortcullisError } from '@portcullis/core';
import { mimeGuardKit, type UploadsState } from '@portcullis/http';
import type {
  AcceptedUpload,
  LingerOptions,
  MimeGuard,
  StoredUpload,
  UploadMeta,
} from '@portcullis/mime-guard';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { requestState, routedPath, sendProblem } from './http.js';

/** Options of {@link guardUploads}. */
export interface ExpressUploadsOptions<R> {
  /** Stores one accepted file: read `file.content` to the end under `file.storageName`. */
  store: (file: AcceptedUpload<Readable>, req: Request) => Promise<R>;
  /** Removes a stored file when the request fails after it was stored (pass it when `maxFiles` > 1). */
  remove?: ((stored: StoredUpload<R>, req: Request) => Promise<void>) | undefined;
  /** Moves staged files into place once every file of the request passed. */
  commit?: ((stored: readonly StoredUpload<R>[], req: Request) => Promise<void>) | undefined;
  /** Form fields that may carry files; a file elsewhere is a 400 and never stored. Default: any. */
  fields?: readonly string[] | undefined;
  /** Event context for `upload_rejected` / `upload_stored` (user id, resolved client address...). */
  context?: ((req: Request) => Pick<UploadMeta, 'userId' | 'clientAddress' | 'requestId'>) | undefined;
  /** How much of a refused body is still read after the answer. Default 1 MiB or 2 s. */
  linger?: LingerOptions | undefined;
}

/**
 * Express middleware that streams a multipart request through the MIME guard into `store`
 * (mime-guard's `guardMultipart`: never buffered whole, one request one outcome) and stashes the
 * stored files on `req.portcullis.uploads`. A refused file answers its problem (415, 422 or 413)
 * at once, as soon as the limit is passed; the rest of the body is discarded for a bounded while
 * (`linger`) so the client reads the answer, then the connection closes. Stored files are removed
 * through `remove`.
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
  const { guardMultipart } = mimeGuardKit(guard);
  return (req: Request, res: Response, next: NextFunction): void => {
    const { remove, commit } = options;
    guardMultipart<R>(guard, req, req.headers, {
      store: (file) => options.store(file, req),
      remove: remove && ((stored) => remove(stored, req)),
      commit: commit && ((stored) => commit(stored, req)),
      fields: options.fields,
      context: options.context?.(req),
      response: res,
      linger: options.linger,
    }).then(
      ({ files, fields }) => {
        requestState(req).uploads = { files, fields } satisfies UploadsState<R> as UploadsState;
        next();
      },
      (err: unknown) => {
        if (isPortcullisError(err)) sendProblem(res, err, routedPath(req));
        else next(err);
      },
    );
  };
}

export type { UploadsState } from '@portcullis/http';
