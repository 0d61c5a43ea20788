import { checkOptions, type KnownOptions } from '@portcullis/core';
import type { SignedCheckpoint } from './checkpoint.js';
import type { AuditRecord } from './record.js';

/**
 * The custom-sink contract. The audit log calls `write` with one batch at a time, never
 * concurrently, in `seq` order, off the request path.
 *
 * - `write` gets the records and the same records as JSON lines (no newline), serialised once
 *   by the chain: write the lines as they are if you store text. The audit log also passes
 *   `bytes`: the same lines as UTF-8, each ending with a newline, exactly the bytes the chain
 *   signed (a file sink writes them as they are). It resolves once the batch is as durable as the sink promises (the file sink: written,
 *   and fsynced when asked). If it rejects, the sink must not have kept part of the batch: the log
 *   reports the error and retries the same records later, so a partial write would duplicate them.
 * - `checkpoint`, when present, stores a signed checkpoint next to the records.
 * - `close` releases resources after the last write; it is called once.
 *
 * @example
 * ```ts
 * const sink: AuditSink = {
 *   async write(_records, lines) { await queue.sendBatch(lines); },
 *   async close() { await queue.disconnect(); },
 * };
 * ```
 */
export interface AuditSink {
  write(records: readonly AuditRecord[], lines: readonly string[], bytes?: Uint8Array): Promise<void>;
  checkpoint?(checkpoint: SignedCheckpoint): Promise<void>;
  close(): Promise<void>;
}

/** A sink keeping records in memory, for tests and for the demo. */
export interface MemorySink extends AuditSink {
  readonly records: readonly AuditRecord[];
  readonly checkpoints: readonly SignedCheckpoint[];
  /** The lines, as the file sink would write them. */
  lines(): string[];
}

/**
 * Creates an in-memory sink.
 *
 * @example
 * ```ts
 * const sink = createMemorySink();
 * const audit = createAuditLog({ app: 'test', sink, key: null });
 * ```
 */
export function createMemorySink(): MemorySink {
  const records: AuditRecord[] = [];
  const lines: string[] = [];
  const checkpoints: SignedCheckpoint[] = [];
  return {
    records,
    checkpoints,
    async write(batch, batchLines) {
      records.push(...batch);
      lines.push(...batchLines);
    },
    async checkpoint(cp) {
      checkpoints.push(cp);
    },
    async close() {},
    lines: () => [...lines],
  };
}

/** The subset of a pino logger the pino sink needs (structural, so pino stays optional). */
export interface PinoLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  flush?: ((cb?: (err?: Error | null) => void) => void) | undefined;
}

/** Options of {@link createPinoSink}. */
export interface PinoSinkOptions {
  /** Message of every line. Default `audit`. */
  message?: string | undefined;
  /** Key under which the record sits. Default `audit` (keeps pino's own `time`/`level` apart). */
  key?: string | undefined;
}

/**
 * A sink writing each record through an existing pino logger, for apps that already ship pino
 * logs. `critical` records go out at `error` level. The record keeps its chain fields, so the
 * `audit` objects extracted from the pino stream still verify; durability is pino's (its async
 * transports may drop the tail on a crash: prefer the file sink for the system of record).
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const audit = createAuditLog({ app: 'api', key, sink: createPinoSink(pino()) });
 * ```
 */
export function createPinoSink(logger: PinoLike, options: PinoSinkOptions = {}): AuditSink {
  checkOptions('createPinoSink', options, {
    message: true,
    key: true,
  } satisfies KnownOptions<PinoSinkOptions>);
  const message = options.message ?? 'audit';
  const key = options.key ?? 'audit';
  return {
    async write(records) {
      for (const r of records) {
        const obj = { [key]: r };
        if (r.level === 'critical') logger.error(obj, message);
        else if (r.level === 'warn') logger.warn(obj, message);
        else logger.info(obj, message);
      }
    },
    async close() {
      const flush = logger.flush;
      if (typeof flush !== 'function') return;
      await new Promise<void>((resolve, reject) => {
        flush.call(logger, (err) => (err ? reject(err) : resolve()));
      });
    },
  };
}
