/**
 * One reader per kind of upload source (Node stream, web stream, bytes in memory, Blob), so the
 * guard reads any of them the same way: peek the head, read the whole file (text types), hand
 * back a replay of the exact bytes, or discard the rest. The guard never branches on the kind.
 */
import { Readable } from 'node:stream';
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

/** A head read from a source, with the size when the source knows it without reading. */
export interface Head extends Peeked {
  /** The whole file's size, when known now (bytes in memory, a Blob, a stream that ended). */
  readonly knownSize: number | undefined;
  /** Bytes pulled from the source to decide. */
  readonly bytesRead: number;
  /** The first `sampleSize` bytes (or fewer). */
  readonly sample: Uint8Array;
}

/** How the guard reads one source. */
export interface SourceReader<S extends UploadSource> {
  /** True for streams: the rest arrives later, and the size is only known at the end. */
  readonly streaming: boolean;
  /** Whether the parser cut the source at its size limit (busboy's `truncated`). */
  truncated(): boolean;
  peek(sampleSize: number): Promise<Head>;
  /** The whole file, or undefined past `limit` (the rest is then discarded). */
  readWhole(head: Head, limit: number): Promise<Uint8Array | undefined>;
  /** The same kind of value as the source, yielding `bytes` (a text file read whole). */
  replayWhole(bytes: Uint8Array): Replay<S>;
  /** The same kind of value as the source, yielding the head then the rest, with checks. */
  replay(head: Head, checks: ReplayChecks): Replay<S>;
  /** Lets the rest of the source flow away so the request completes. Never throws. */
  discard(): void;
}

function headOf(peeked: Peeked, sampleSize: number, knownSize: number | undefined, bytesRead: number): Head {
  const all = concat(peeked.chunks, peeked.total);
  return {
    ...peeked,
    knownSize: peeked.ended ? peeked.total : knownSize,
    bytesRead,
    sample: all.length > sampleSize ? all.subarray(0, sampleSize) : all,
  };
}

function nodeReader(src: Readable, isTruncated: () => boolean): SourceReader<Readable> {
  return {
    streaming: true,
    truncated: () => isTruncated() || (src as { truncated?: unknown }).truncated === true,
    async peek(size) {
      const p = await peekNode(src, size).catch((error: unknown) => {
        drain(src);
        throw error;
      });
      return headOf(p, size, undefined, p.total);
    },
    readWhole: (head, limit) => readRestNode(src, head, limit),
    replayWhole: (bytes) => Readable.from([bytes], { objectMode: false }),
    replay: (head, checks) => replayNode(src, head, checks),
    discard: () => drain(src),
  };
}

function webReader(
  src: ReadableStream<Uint8Array>,
  isTruncated: () => boolean,
): SourceReader<ReadableStream<Uint8Array>> {
  const reader = src.getReader();
  return {
    streaming: true,
    truncated: isTruncated,
    async peek(size) {
      const p = await peekWeb(reader, size);
      return headOf(p, size, undefined, p.total);
    },
    readWhole: (head, limit) => readRestWeb(reader, head, limit),
    replayWhole: (bytes) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes);
          c.close();
        },
      }),
    replay: (head, checks) => replayWeb(reader, head, checks),
    discard: () => {
      reader.cancel().catch(() => {});
    },
  };
}

function bytesReader(src: Uint8Array, isTruncated: () => boolean): SourceReader<Uint8Array> {
  return {
    streaming: false,
    truncated: isTruncated,
    peek: (size) =>
      Promise.resolve(
        headOf(
          { chunks: [src], total: src.length, ended: true },
          size,
          src.length,
          Math.min(src.length, size),
        ),
      ),
    readWhole: (_head, limit) => Promise.resolve(src.length > limit ? undefined : src),
    replayWhole: () => src,
    replay: () => src,
    discard: () => {},
  };
}

function blobReader(src: Blob, isTruncated: () => boolean): SourceReader<Blob> {
  return {
    streaming: false,
    truncated: isTruncated,
    async peek(size) {
      const bytes = new Uint8Array(await src.slice(0, size).arrayBuffer());
      return headOf(
        { chunks: [bytes], total: bytes.length, ended: src.size <= size },
        size,
        src.size,
        bytes.length,
      );
    },
    readWhole: async (_head, limit) =>
      src.size > limit ? undefined : new Uint8Array(await src.arrayBuffer()),
    replayWhole: () => src,
    replay: () => src,
    discard: () => {},
  };
}

/** The reader for a source, by its kind. */
export function readerFor<S extends UploadSource>(
  source: S,
  isTruncated: () => boolean = () => false,
): SourceReader<S> {
  const r = isNodeReadable(source)
    ? nodeReader(source, isTruncated)
    : isWebStream(source)
      ? webReader(source, isTruncated)
      : source instanceof Uint8Array
        ? bytesReader(source, isTruncated)
        : blobReader(source as Blob, isTruncated);
  return r as unknown as SourceReader<S>;
}
