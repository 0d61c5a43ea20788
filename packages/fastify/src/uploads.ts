import type { Readable } from 'node:stream';
import { InputError, isPortcullisError } from '@portcullis/core';
import { mimeGuardKit, type UploadsState } from '@portcullis/http';
import type {
  AcceptedUpload,
  LingerOptions,
  MimeGuard,
  StoredUpload,
  UploadMeta,
} from '@portcullis/mime-guard';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { requestState, sendProblem } from './http.js';

/** Options of {@link guardUploads}. */
export interface FastifyUploadsOptions<R> {
  /** Stores one accepted file: read `file.content` to the end under `file.storageName`. */
  store: (file: AcceptedUpload<Readable>, request: FastifyRequest) => Promise<R>;
  /** Removes a stored file when another file of the request is refused. */
  remove?: ((stored: StoredUpload<R>, request: FastifyRequest) => Promise<void>) | undefined;
  /** Moves staged files into place once every file of the request passed. */
  commit?: ((stored: readonly StoredUpload<R>[], request: FastifyRequest) => Promise<void>) | undefined;
  /** Form fields that may carry files; a file elsewhere is a 400 and never stored. Default: any. */
  fields?: readonly string[] | undefined;
  /** Event context for `upload_rejected` / `upload_stored` (user id, resolved client address...). */
  context?:
    | ((request: FastifyRequest) => Pick<UploadMeta, 'userId' | 'clientAddress' | 'requestId'>)
    | undefined;
  /** How much of a refused body is still read after the answer. Default 1 MiB or 2 s. */
  linger?: LingerOptions | undefined;
}

/** Structural view of what @fastify/multipart adds to the request (stream mode). */
interface MultipartPart {
  type: 'file' | 'field';
  fieldname: string;
  filename?: string;
  mimetype?: string;
  file?: Readable;
  value?: unknown;
}
interface MultipartRequest {
  isMultipart(): boolean;
  parts(options?: {
    limits?: { fileSize?: number };
    throwFileSizeLimit?: boolean;
  }): AsyncIterable<MultipartPart>;
}

/**
 * A Fastify `preHandler` that streams each file of a multipart request (read with
 * @fastify/multipart, which you register) through the MIME guard into `store`, and stashes the
 * stored files on `request.portcullis.uploads`. A refused file answers its problem (415, 422 or
 * 413) at once, as soon as the limit is passed; the rest of the body is discarded for a bounded
 * while (`linger`) so the client reads the answer, then the connection closes.
 *
 * @example
 * ```ts
 * await app.register(multipart);
 * app.post('/files', { preHandler: guardUploads(guard, { store: (f) => saveToDisk(f) }) },
 *   async (request) => request.portcullis?.uploads);
 * ```
 */
export function guardUploads<R>(
  guard: MimeGuard,
  options: FastifyUploadsOptions<R>,
): preHandlerAsyncHookHandler {
  const { createUploadSession, lingerAfterRefusal } = mimeGuardKit(guard);
  return async function guardUploadsHook(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    const path = request.url.split('?')[0] ?? '/';
    const multipart = request as unknown as MultipartRequest;
    if (typeof multipart.isMultipart !== 'function' || !multipart.isMultipart()) {
      // Returning the reply tells Fastify the hook answered: the route handler does not run.
      return sendProblem(
        reply,
        new InputError('ERR_INPUT_INVALID', 'expected a multipart/form-data body'),
        path,
      );
    }
    const remove = options.remove;
    const commit = options.commit;
    const session = createUploadSession<Readable, R>(guard, {
      store: (file) => options.store(file, request),
      remove: remove && ((stored) => remove(stored, request)),
      commit: commit && ((stored) => commit(stored, request)),
      fields: options.fields,
      context: options.context?.(request),
    });
    const fields: Record<string, string> = Object.create(null);
    try {
      try {
        // One byte over the guard's limit, so the guard (not the parser's cut) reports the 413.
        const parts = multipart.parts({
          limits: { fileSize: guard.maxFileSize + 1 },
          throwFileSizeLimit: false,
        });
        for await (const part of parts) {
          if (part.type === 'file' && part.file) {
            // Past its cut the parser skips the rest of the file as fast as it arrives while the
            // guard reads what came before; the request fails once the guard reaches the cut (one
            // byte over its largest limit), so stop feeding the parser now.
            part.file.once('limit', () => request.raw.unpipe());
            // The iterator yields the next part only once this file has been read or drained.
            await session.add(part.file, {
              field: part.fieldname,
              filename: part.filename,
              declaredType: part.mimetype,
            });
            if (session.signal.aborted) {
              // The first refusal ends the reading: destroying the part makes @fastify/multipart
              // unpipe its parser, the answer goes out now, and the rest of the body is discarded
              // for a bounded while instead of being parsed to its end.
              part.file.destroy();
              lingerAfterRefusal(request.raw, reply.raw, options.linger);
              break;
            }
          } else {
            fields[part.fieldname] = String(part.value);
          }
        }
      } catch (err) {
        // The parser's own failure fails the request: stored files are removed, none reported.
        session.abort(err);
        lingerAfterRefusal(request.raw, reply.raw, options.linger);
        await session.finish().catch(() => {});
        throw isPortcullisError(err)
          ? err
          : new InputError('ERR_INPUT_INVALID', 'malformed multipart body', { cause: err });
      }
      requestState(request).uploads = {
        files: await session.finish(),
        fields,
      } satisfies UploadsState<R> as UploadsState;
    } catch (err) {
      if (!isPortcullisError(err)) throw err;
      return sendProblem(reply, err, path);
    }
    return undefined;
  };
}

export type { UploadsState } from '@portcullis/http';
