import { InputError } from '@portcullis/core';
import type { AcceptedUpload, MimeGuard, UploadMeta } from './guard.js';
import { drain, isNodeReadable, isWebStream, type Replay, type UploadSource } from './source.js';
import type { DetectedType } from './types.js';

/** Options of {@link createUploadSession}. */
export interface UploadSessionOptions<S extends UploadSource, R> {
  /**
   * Stores an accepted file: read `file.content` to the end (pipe it to disk, S3, ...) under
   * `file.storageName`. If the content stream fails (the file grew past its limit), reject.
   */
  store: (file: AcceptedUpload<Replay<S>>) => Promise<R>;
  /**
   * Removes a stored file when the request fails after it was stored: a later file refused, the
   * request aborted ({@link UploadSession.abort}), or `commit` failing. Without it a failed
   * multi-file request can leave files behind: pass it whenever `maxFiles` is above 1.
   */
  remove?: ((stored: StoredUpload<R>) => Promise<void>) | undefined;
  /**
   * Called once every file is stored and the request has not failed, before `finish` resolves:
   * move staged files into place, write database rows... If it throws, every file is removed.
   */
  commit?: ((stored: readonly StoredUpload<R>[]) => Promise<void>) | undefined;
  /**
   * Form fields that may carry files. A file in any other field fails the request with 400
   * `ERR_INPUT_INVALID` (and is never stored). Default: any field.
   */
  fields?: readonly string[] | undefined;
  /** Event context (user, client address, request id) copied onto every file's events. */
  context?: Pick<UploadMeta, 'userId' | 'clientAddress' | 'requestId'> | undefined;
}

/** A file that passed the guard and was stored. */
export interface StoredUpload<R> {
  readonly field: string | undefined;
  /** The client's name, as metadata only (escape it before showing it). */
  readonly filename: string | undefined;
  readonly type: DetectedType;
  readonly storageName: string;
  /** What `store` returned (a path, an object key, ...). */
  readonly stored: R;
}

/** What adapters feed a request's files into. */
export interface UploadSession<S extends UploadSource, R> {
  /**
   * Judges and stores one file, in arrival order. Never rejects: a refusal is kept for
   * {@link UploadSession.finish}, and the file's bytes are drained so the request completes.
   */
  add(source: S, meta?: Omit<UploadMeta, 'index'>): Promise<void>;
  /**
   * Fails the request from outside (the parser hit its own limit, the client went away): files
   * still arriving are drained, and {@link UploadSession.finish} removes what was stored and
   * throws `error` (unless a file was refused first).
   */
  abort(error: unknown): void;
  /**
   * Aborted at the request's first failure (a refused file, a file over its limit, an abort),
   * with that failure as its reason: the moment a parser can stop reading and the adapter can
   * answer, instead of reading the rest of an over-limit body first.
   */
  readonly signal: AbortSignal;
  /**
   * Waits for every file. One request, one outcome: resolves with every stored file (after
   * `commit`, then `upload_stored` is published for each), or removes them all and throws the
   * first refusal (a `MimeGuardError`) or the first other failure, publishing no `upload_stored`.
   */
  finish(): Promise<StoredUpload<R>[]>;
}

/**
 * The per-request orchestration every adapter shares: file numbering for the count limit,
 * first-refusal-wins, draining of every later file, all-or-nothing storage (stage with `store`,
 * then `commit`, or `remove` everything), and `upload_stored` published only for a request
 * whose every file was stored.
 *
 * @example
 * ```ts
 * const session = createUploadSession(guard, {
 *   store: (f) => pipeline(f.content, createWriteStream(join(dir, f.storageName))),
 * });
 * busboy.on('file', (field, stream, info) => session.add(stream, { field, filename: info.filename }));
 * busboy.on('close', async () => res.json(await session.finish()));
 * ```
 */
export function createUploadSession<S extends UploadSource, R>(
  guard: MimeGuard,
  options: UploadSessionOptions<S, R>,
): UploadSession<S, R> {
  let index = 0;
  let failure: { error: unknown } | undefined;
  const failed = new AbortController();
  let finished: Promise<StoredUpload<R>[]> | undefined;
  const fail = (error: unknown) => {
    if (failure) return;
    failure = { error };
    failed.abort(error);
  };
  const stored: StoredUpload<R>[] = [];
  const pending: Promise<void>[] = [];
  const storedEvents: Array<() => void> = [];
  const fields = options.fields === undefined ? undefined : new Set(options.fields);

  async function handle(source: S, meta: UploadMeta): Promise<void> {
    if (failure) {
      drain(source);
      return;
    }
    if (fields !== undefined && (meta.field === undefined || !fields.has(meta.field))) {
      drain(source);
      fail(new InputError('ERR_INPUT_INVALID', `files are accepted in ${[...fields].join(', ')} only`));
      return;
    }
    let content: unknown;
    try {
      const decision = await guard.inspect(source, {
        ...meta,
        deferStoredEvent: (publish) => storedEvents.push(publish),
      });
      if (!decision.ok) {
        fail(decision.error);
        return;
      }
      if (failure) {
        drain(decision.content as UploadSource);
        return;
      }
      content = decision.content;
      const result = await options.store(decision);
      stored.push({
        field: decision.field,
        filename: decision.filename,
        type: decision.type,
        storageName: decision.storageName,
        stored: result,
      });
    } catch (error) {
      // Stop the replay first (it detaches from the source), then let the rest of the file flow away.
      if (isNodeReadable(content)) content.destroy();
      else if (isWebStream(content) && !content.locked) content.cancel().catch(() => {});
      drain(source);
      fail(error);
    }
  }

  return {
    add(source, meta = {}) {
      const task = handle(source, { ...options.context, ...meta, index: index++ });
      pending.push(task);
      return task;
    },
    abort(error) {
      fail(error);
    },
    signal: failed.signal,
    finish() {
      // Once: a second caller (a parser's close after its error) gets the same outcome, and no
      // file is committed or removed twice.
      finished ??= settle();
      return finished;
    },
  };

  async function settle(): Promise<StoredUpload<R>[]> {
    await Promise.all(pending);
    if (!failure && options.commit) {
      try {
        await options.commit(stored);
      } catch (error) {
        fail(error);
      }
    }
    if (!failure) {
      for (const publish of storedEvents) publish();
      return stored;
    }
    if (options.remove) await Promise.allSettled(stored.map((s) => options.remove!(s)));
    throw failure.error;
  }
}
