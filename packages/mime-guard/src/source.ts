/**
 * Peek and replay: read only the head of an upload, then hand back a stream that yields the exact
 * original bytes (head first, then the rest as it arrives, with backpressure). Nothing here ever
 * holds more than the head plus one chunk, whatever the upload's size.
 */
import { Readable } from 'node:stream';

/** What the guard accepts: bytes in memory, a Blob/File, a Node stream or a web stream. */
export type UploadSource = Uint8Array | Blob | Readable | ReadableStream<Uint8Array>;

/** What a decision hands back for a source: the same kind of thing, replaying the same bytes. */
export type Replay<S> = S extends Readable
  ? Readable
  : S extends ReadableStream<Uint8Array>
    ? ReadableStream<Uint8Array>
    : S;

/** A head read from a source. */
export interface Peeked {
  /** The bytes read so far, in order (may exceed the sample size by the last chunk). */
  readonly chunks: Uint8Array[];
  readonly total: number;
  /** True when the source has no more bytes: `chunks` is the whole file. */
  readonly ended: boolean;
}

/** Per-chunk and end-of-stream checks the guard runs while the caller reads the replay. */
export interface ReplayChecks {
  /** Called with the running byte count; an error stops the replay and drains the source. */
  onBytes(total: number): Error | undefined;
  /** Called when the source ends; an error fails the replay instead of ending it cleanly. */
  onEnd(total: number): Error | undefined;
  /** Wraps an error of the source itself (client abort, malformed multipart). */
  onSourceError(error: unknown): Error;
}

export function isNodeReadable(value: unknown): value is Readable {
  return (
    value instanceof Readable ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Readable).pipe === 'function' &&
      typeof (value as Readable).on === 'function' &&
      typeof (value as Readable).resume === 'function')
  );
}

export function isWebStream(value: unknown): value is ReadableStream<Uint8Array> {
  return (
    typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function'
  );
}

export function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Reads at least `size` bytes (or to the end) from a paused-or-flowing Node stream, then pauses it. */
export function peekNode(src: Readable, size: number): Promise<Peeked> {
  if (src.readableEnded) return Promise.resolve({ chunks: [], total: 0, ended: true });
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const cleanup = () => {
      src.off('data', onData);
      src.off('end', onEnd);
      src.off('error', onError);
    };
    const onData = (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      total += bytes.length;
      if (total >= size) {
        src.pause();
        cleanup();
        resolve({ chunks, total, ended: false });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, total, ended: true });
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    src.on('data', onData);
    src.once('end', onEnd);
    src.once('error', onError);
    src.resume();
  });
}

/** A Node stream yielding the peeked head then the rest of `src`, with backpressure. */
export function replayNode(src: Readable, peeked: Peeked, checks: ReplayChecks): Readable {
  let total = peeked.total;
  let attached = false;
  const detach = () => {
    src.off('data', onData);
    src.off('end', onEnd);
    src.off('error', onError);
  };
  const out = new Readable({
    read() {
      if (!attached) {
        attached = true;
        for (const c of peeked.chunks) this.push(c);
        // A paused stream still emits 'end' once its buffer is empty: it may have ended after the peek.
        if (peeked.ended || src.readableEnded) {
          finish();
          return;
        }
        src.on('data', onData);
        src.once('end', onEnd);
        src.once('error', onError);
      }
      src.resume();
    },
    destroy(error, callback) {
      detach();
      // Drain what the client still sends so the request completes instead of hanging.
      if (!src.readableEnded) {
        src.on('error', () => {});
        src.resume();
      }
      callback(error);
    },
  });
  function finish() {
    const error = checks.onEnd(total);
    if (error) out.destroy(error);
    else out.push(null);
  }
  function onData(chunk: Uint8Array | string) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += bytes.length;
    const error = checks.onBytes(total);
    if (error) {
      out.destroy(error);
      return;
    }
    if (!out.push(bytes)) src.pause();
  }
  function onEnd() {
    detach();
    finish();
  }
  function onError(error: unknown) {
    detach();
    out.destroy(checks.onSourceError(error));
  }
  return out;
}

/** Reads at least `size` bytes (or to the end) from a web stream. The reader stays locked. */
export async function peekWeb(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  size: number,
): Promise<Peeked> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < size) {
    const { value, done } = await reader.read();
    if (done) return { chunks, total, ended: true };
    chunks.push(value);
    total += value.length;
  }
  return { chunks, total, ended: false };
}

/** A web stream yielding the peeked head then the rest of the reader's stream. */
export function replayWeb(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  peeked: Peeked,
  checks: ReplayChecks,
): ReadableStream<Uint8Array> {
  let total = peeked.total;
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    const error = checks.onEnd(total);
    if (error) controller.error(error);
    else controller.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        for (const c of peeked.chunks) controller.enqueue(c);
        if (peeked.ended) finish(controller);
      },
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          controller.error(checks.onSourceError(error));
          return;
        }
        if (result.done) {
          finish(controller);
          return;
        }
        total += result.value.length;
        const error = checks.onBytes(total);
        if (error) {
          controller.error(error);
          reader.cancel(error).catch(() => {});
          return;
        }
        controller.enqueue(result.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Discards the rest of a source so the request it belongs to can complete. Never throws. */
export function drain(source: UploadSource): void {
  if (isNodeReadable(source)) {
    source.on('error', () => {});
    source.resume();
  } else if (isWebStream(source)) {
    if (!source.locked) source.cancel().catch(() => {});
  }
}

/**
 * Bytes of a whole Node stream, or undefined past `limit` (the head already read counts); past the
 * limit the rest is drained rather than destroyed, so a multipart parser keeps going.
 */
export function readRestNode(src: Readable, peeked: Peeked, limit: number): Promise<Uint8Array | undefined> {
  if (peeked.ended || src.readableEnded) return Promise.resolve(concat(peeked.chunks, peeked.total));
  return new Promise((resolve, reject) => {
    const chunks = [...peeked.chunks];
    let total = peeked.total;
    const cleanup = () => {
      src.off('data', onData);
      src.off('end', onEnd);
      src.off('error', onError);
    };
    const onData = (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      total += bytes.length;
      if (total > limit) {
        cleanup();
        drain(src);
        resolve(undefined);
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => {
      cleanup();
      resolve(concat(chunks, total));
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    src.on('data', onData);
    src.once('end', onEnd);
    src.once('error', onError);
    src.resume();
  });
}

/** Bytes of a whole web stream, refusing more than `limit`. */
export async function readRestWeb(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  peeked: Peeked,
  limit: number,
): Promise<Uint8Array | undefined> {
  const chunks = [...peeked.chunks];
  let total = peeked.total;
  if (!peeked.ended) {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) return undefined;
      chunks.push(value);
    }
  }
  return concat(chunks, total);
}
