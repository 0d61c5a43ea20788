import { InputError, isPortcullisError } from '@portcullis/core';
import type { UploadsState } from '@portcullis/http';
import {
  type AcceptedUpload,
  createUploadSession,
  type MimeGuard,
  type StoredUpload,
  type UploadMeta,
} from '@portcullis/mime-guard';
import type { Context, MiddlewareHandler } from 'hono';
import { problemResponse, requestState } from './http.js';

/** Options of {@link guardUploads}. */
export interface HonoUploadsOptions<R> {
  /** Stores one accepted file (`file.content` is the `File` itself) under `file.storageName`. */
  store: (file: AcceptedUpload<Blob>, c: Context) => Promise<R>;
  /** Removes a stored file when another file of the request is refused. */
  remove?: ((stored: StoredUpload<R>, c: Context) => Promise<void>) | undefined;
  /** Event context for `upload_rejected` / `upload_stored` (user id, resolved client address...). */
  context?: ((c: Context) => Pick<UploadMeta, 'userId' | 'clientAddress' | 'requestId'>) | undefined;
}

/**
 * Hono middleware that reads a multipart body with `c.req.parseBody()`, judges each `File` by its
 * bytes through the MIME guard, hands accepted ones to `store`, and stashes them in
 * `c.get('portcullis').uploads`. Hono reads the whole body before this runs: put a body-size
 * limit (hono/body-limit) in front of it. A refused file answers its problem (415, 422 or 413).
 *
 * @example
 * ```ts
 * app.post('/files', guardUploads(guard, {
 *   store: async (f) => writeFile(join(dir, f.storageName), f.content.stream()),
 * }), (c) => c.json(c.get('portcullis').uploads));
 * ```
 */
export function guardUploads<R>(guard: MimeGuard, options: HonoUploadsOptions<R>): MiddlewareHandler {
  return async (c, next) => {
    const path = new URL(c.req.url).pathname;
    if (!/^multipart\/form-data\b/i.test(c.req.header('content-type') ?? '')) {
      return problemResponse(
        new InputError('ERR_INPUT_INVALID', 'expected a multipart/form-data body'),
        path,
      );
    }
    let body: Record<string, string | File | (string | File)[]>;
    try {
      body = await c.req.parseBody({ all: true });
    } catch (err) {
      return problemResponse(
        new InputError('ERR_INPUT_INVALID', 'malformed multipart body', { cause: err }),
        path,
      );
    }
    const remove = options.remove;
    const session = createUploadSession<Blob, R>(guard, {
      store: (file) => options.store(file, c),
      remove: remove && ((stored) => remove(stored, c)),
      context: options.context?.(c),
    });
    const fields: Record<string, string> = Object.create(null);
    for (const [field, value] of Object.entries(body)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === 'string') fields[field] = item;
        else await session.add(item, { field, filename: item.name, declaredType: item.type });
      }
    }
    try {
      requestState(c).uploads = {
        files: await session.finish(),
        fields,
      } satisfies UploadsState<R> as UploadsState;
    } catch (err) {
      if (isPortcullisError(err)) return problemResponse(err, path);
      throw err;
    }
    await next();
    return undefined;
  };
}

export type { UploadsState } from '@portcullis/http';
