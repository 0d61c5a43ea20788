import { Readable, type Writable } from 'node:stream';
import { isPortcullisError } from '@portcullis/core';
import { mimeGuardKit, type UploadsState } from '@portcullis/http';
import type {
  AcceptedUpload,
  LingerOptions,
  MimeGuard,
  StoredUpload,
  UploadMeta,
} from '@portcullis/mime-guard';
import type { Context, MiddlewareHandler } from 'hono';
import { requestState, sendProblem } from './http.js';

/** Options of {@link guardUploads}. */
export interface HonoUploadsOptions<R> {
  /** Stores one accepted file: read `file.content` (a Node stream) to the end under `file.storageName`. */
  store: (file: AcceptedUpload<Readable>, c: Context) => Promise<R>;
  /** Removes a stored file when the request fails after it was stored (pass it when `maxFiles` > 1). */
  remove?: ((stored: StoredUpload<R>, c: Context) => Promise<void>) | undefined;
  /** Moves staged files into place once every file of the request passed. */
  commit?: ((stored: readonly StoredUpload<R>[], c: Context) => Promise<void>) | undefined;
  /** Form fields that may carry files; a file elsewhere is a 400 and never stored. Default: any. */
  fields?: readonly string[] | undefined;
  /** Event context for `upload_rejected` / `upload_stored` (user id, resolved client address...). */
  context?: ((c: Context) => Pick<UploadMeta, 'userId' | 'clientAddress' | 'requestId'>) | undefined;
  /** How much of a refused body is still read after the answer. Default 1 MiB or 2 s. */
  linger?: LingerOptions | undefined;
}

/** Node's request on @hono/node-server, when nobody has read its body yet. */
interface NodeIncoming extends Readable {
  headers: Record<string, string | string[] | undefined>;
}

interface NodeBindings {
  incoming?: NodeIncoming;
  outgoing?: Writable;
}

function bodyStream(c: Context): {
  body: Readable;
  headers: Record<string, string | string[] | undefined>;
  response?: Writable | undefined;
} {
  const env = c.env as NodeBindings | undefined;
  const incoming = env?.incoming;
  if (incoming && typeof incoming.pipe === 'function' && !incoming.readableDidRead)
    return { body: incoming, headers: incoming.headers, response: env?.outgoing };
  const headers = Object.fromEntries(c.req.raw.headers);
  const web = c.req.raw.body;
  return {
    body: web ? Readable.fromWeb(web as import('node:stream/web').ReadableStream) : Readable.from([]),
    headers,
  };
}

/**
 * Hono middleware that streams a multipart body through the MIME guard into `store` (mime-guard's
 * `guardMultipart`, as the Express adapter does: never buffered whole, one request one outcome),
 * and stashes the stored files in `c.get('portcullis').uploads`. A file over the guard's size
 * limit is its 413, counted as an upload rejection, answered as soon as the limit is passed; the
 * rest of the body is discarded for a bounded while (`linger`), so a client still sending reads
 * the 413 instead of a reset connection, then the connection closes. No `bodyLimit` is needed
 * in front of it (the guard's `maxFileSize` and `maxFiles` bound it).
 *
 * @example
 * ```ts
 * app.post('/files', guardUploads(guard, {
 *   store: (f) => pipeline(f.content, createWriteStream(join(dir, f.storageName))),
 * }), (c) => c.json(c.get('portcullis').uploads));
 * ```
 */
export function guardUploads<R>(guard: MimeGuard, options: HonoUploadsOptions<R>): MiddlewareHandler {
  const { guardMultipart } = mimeGuardKit(guard);
  return async (c, next) => {
    const { remove, commit } = options;
    const { body, headers, response } = bodyStream(c);
    try {
      const { files, fields } = await guardMultipart<R>(guard, body, headers, {
        store: (file) => options.store(file, c),
        remove: remove && ((stored) => remove(stored, c)),
        commit: commit && ((stored) => commit(stored, c)),
        fields: options.fields,
        context: options.context?.(c),
        response,
        linger: options.linger,
      });
      requestState(c).uploads = { files, fields } satisfies UploadsState<R> as UploadsState;
    } catch (err) {
      if (isPortcullisError(err)) return sendProblem(c, err);
      throw err;
    }
    await next();
    return undefined;
  };
}

export type { UploadsState } from '@portcullis/http';
