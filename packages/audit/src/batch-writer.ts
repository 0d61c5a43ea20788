import { ConfigError } from '@portcullis/core';
import { AuditError } from './errors.js';

/**
 * What happens when items arrive faster than the sink writes and the queue is full.
 * - `block` (default): the call returns a promise that settles once the item is queued (await it
 *   for backpressure); nothing is lost while at most `maxQueue` more items wait. Past that (a
 *   stuck disk), items are dropped and counted as with `drop`, so memory stays bounded.
 * - `drop`: the item is dropped and counted; the next batch is told how many (the audit log
 *   writes a `sys_audit_dropped` record with the count, so the gap is visible in the log).
 * - `fail`: the call throws {@link AuditError} `ERR_AUDIT_QUEUE_FULL` (a 503 for the request).
 */
export type OverflowPolicy = 'block' | 'drop' | 'fail';

/** Options of {@link createBatchWriter}. */
export interface BatchWriterOptions<T, B> {
  /** Queue bound, in items. */
  maxQueue: number;
  /** Items per batch. */
  batchSize: number;
  /** Longest time an item waits before its batch is written, in ms; also the first retry delay. */
  flushIntervalMs: number;
  overflow: OverflowPolicy;
  /**
   * Builds a batch from the next queued items and the count of items dropped since the last
   * batch (0 when none). Called once per batch: a failed write retries the same batch.
   */
  seal(items: readonly T[], dropped: number): B;
  /** Number of items a batch holds (an empty batch is not written). */
  size(batch: B): number;
  /** Writes a batch; a rejection is retried later with the same batch (backoff doubling to 5 s). */
  write(batch: B): Promise<void>;
  /** After a batch is written (checkpoints, counters). Must not throw. */
  written?: ((batch: B) => Promise<void>) | undefined;
  /** Each failed write, before its retry is scheduled. Must not throw. */
  onWriteError(error: unknown): void;
}

/** Counters of the writer. */
export interface BatchWriterStats {
  accepted: number;
  written: number;
  dropped: number;
  /** Items waiting in memory (queued, waiting for room, or in a failed batch). */
  pending: number;
}

/** A bounded queue drained in batches by one writer at a time. */
export interface BatchWriter<T> {
  /** Queues an item: returns a promise only when the `block` policy waits for room. */
  accept(item: T): void | Promise<void>;
  /** Counts an item lost outside the queue (reported with the next batch). */
  dropped(): void;
  /** Resolves once everything accepted so far is written; rejects with `ERR_AUDIT_WRITE_FAILED`. */
  flush(): Promise<void>;
  /** Refuses new items (`ERR_AUDIT_CLOSED`) and writes what is queued. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
  stats(): BatchWriterStats;
}

/** Largest delay between retries of a failing write. */
const MAX_RETRY_MS = 5000;

/**
 * The bounded batch writer behind the audit log, free of what it writes: a FIFO bounded by
 * `maxQueue` with an overflow policy, batches of `batchSize` written by one drain at a time, a
 * flush timer, and a doubling backoff while the sink fails. Memory stays bounded whatever the
 * sink does: at most `maxQueue` queued, `maxQueue` waiting (`block`), one batch in flight and
 * the next one sealed while it is written.
 */
export function createBatchWriter<T, B>(options: BatchWriterOptions<T, B>): BatchWriter<T> {
  const { maxQueue, batchSize, flushIntervalMs, overflow } = options;
  for (const [name, v] of [
    ['maxQueue', maxQueue],
    ['batchSize', batchSize],
    ['flushIntervalMs', flushIntervalMs],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`audit ${name} must be a positive integer`);
  if (overflow !== 'block' && overflow !== 'drop' && overflow !== 'fail')
    throw new ConfigError('audit overflow must be block, drop or fail');

  // A FIFO as an array and a head index: taking a batch never copies the items behind it.
  let queue: T[] = [];
  let head = 0;
  const queued = () => queue.length - head;
  const waiters: Array<{ item: T; resolve: () => void }> = [];
  let inflight: { batch: B; size: number } | null = null;
  // The batch sealed while `inflight` was being written (sealing is CPU work, writing waits on
  // I/O: the two overlap). Sealed after `inflight`, so it is written after it.
  let ahead: { batch: B; size: number } | null = null;
  let droppedUnreported = 0;
  let closed = false;
  let draining: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let timerDelay = 0;
  let retryDelay = flushIntervalMs;
  const stats = { accepted: 0, written: 0, dropped: 0 };

  const work = () =>
    queued() > 0 || waiters.length > 0 || inflight !== null || ahead !== null || droppedUnreported > 0;

  const schedule = (delay: number) => {
    if (draining !== null) return;
    if (timer !== null) {
      // A full batch must not wait for the flush-interval timer armed by its first item.
      if (delay >= timerDelay) return;
      clearTimeout(timer);
    }
    timerDelay = delay;
    timer = setTimeout(() => {
      timer = null;
      startDrain().catch(() => {
        // Reported through onWriteError; the next attempt is scheduled in startDrain.
      });
    }, delay);
    timer.unref?.();
  };

  const refill = () => {
    while (waiters.length > 0 && queued() < maxQueue) {
      const w = waiters.shift()!;
      queue.push(w.item);
      w.resolve();
    }
  };

  const nextBatch = (): { batch: B; size: number } => {
    const dropped = droppedUnreported;
    droppedUnreported = 0;
    const end = Math.min(queue.length, head + (dropped > 0 ? batchSize - 1 : batchSize));
    const items = queue.slice(head, end);
    head = end;
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head >= 4096 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    refill();
    const batch = options.seal(items, dropped);
    return { batch, size: options.size(batch) };
  };

  const run = async () => {
    while (work()) {
      if (inflight === null) {
        inflight = ahead ?? nextBatch();
        ahead = null;
      }
      try {
        if (inflight.size > 0) {
          const writing = options.write(inflight.batch);
          if (ahead === null && (queued() > 0 || droppedUnreported > 0)) ahead = nextBatch();
          await writing;
        }
      } catch (err) {
        options.onWriteError(err);
        retryDelay = Math.min(retryDelay * 2, MAX_RETRY_MS);
        throw new AuditError('ERR_AUDIT_WRITE_FAILED', 'audit sink write failed', { cause: err });
      }
      const done = inflight;
      stats.written += done.size;
      inflight = null;
      retryDelay = flushIntervalMs;
      await options.written?.(done.batch);
    }
  };

  const startDrain = (): Promise<void> => {
    if (draining) return draining;
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    draining = run().finally(() => {
      draining = null;
      if (work()) schedule(inflight !== null ? retryDelay : 0);
    });
    return draining;
  };

  const flush = async (): Promise<void> => {
    while (work()) await startDrain();
  };

  let closing: Promise<void> | null = null;
  return {
    accept(item) {
      if (closed) throw new AuditError('ERR_AUDIT_CLOSED', 'the audit log is closed');
      if (queued() >= maxQueue) {
        // `block` holds at most another maxQueue items for waiting callers: a stuck disk must
        // not turn every request (or bus event nobody awaits) into memory held forever.
        if (overflow === 'drop' || (overflow === 'block' && waiters.length >= maxQueue)) {
          stats.dropped++;
          droppedUnreported++;
          return;
        }
        if (overflow === 'fail')
          throw new AuditError('ERR_AUDIT_QUEUE_FULL', `audit queue holds ${maxQueue} records`);
        stats.accepted++;
        return new Promise<void>((resolve) => {
          waiters.push({ item, resolve });
          if (draining === null) schedule(0);
        });
      }
      stats.accepted++;
      queue.push(item);
      schedule(queued() >= batchSize ? 0 : flushIntervalMs);
      return;
    },
    dropped() {
      stats.dropped++;
      if (closed) return;
      droppedUnreported++;
      schedule(flushIntervalMs);
    },
    flush,
    close() {
      closing ??= (async () => {
        closed = true;
        try {
          await flush();
        } finally {
          if (timer !== null) clearTimeout(timer);
          timer = null;
        }
      })();
      return closing;
    },
    get closed() {
      return closed;
    },
    stats: () => ({
      ...stats,
      pending: queued() + waiters.length + (inflight?.size ?? 0) + (ahead?.size ?? 0),
    }),
  };
}
