import {
  type Clock,
  ConfigError,
  defaultEventLevel,
  type EventBus,
  isPortcullisError,
  SECURITY_EVENT_NAMES,
  type SecurityContext,
  type SecurityEvent,
  type SecurityEventInput,
  type SecurityEventName,
  systemClock,
} from '@portcullis/core';
import { type AuditKey, type Chain, createChain } from './chain.js';
import { type CheckpointOptions, type SignedCheckpoint, signCheckpoint } from './checkpoint.js';
import { AuditError } from './errors.js';
import {
  type AuditRecord,
  DEFAULT_ATTRIBUTE_KEYS,
  encodeRecord,
  type FileAccessInput,
  FORBIDDEN_ATTRIBUTE_KEY,
  fileAccessEvent,
  fileAccessLevel,
  type PendingRecord,
  pendingFromEvent,
} from './record.js';
import type { AuditSink } from './sink.js';

/**
 * What happens when records arrive faster than the sink writes and the queue is full.
 * - `block` (default): the call returns a promise that settles once the record is queued
 *   (await it for backpressure); nothing is lost while at most `maxQueue` more records wait.
 *   Past that (a stuck disk), records are dropped and counted as with `drop`, so memory stays
 *   bounded.
 * - `drop`: the record is dropped and counted; a `sys_audit_dropped` record with the count is
 *   written into the log itself so that the gap is visible there.
 * - `fail`: the call throws {@link AuditError} `ERR_AUDIT_QUEUE_FULL` (a 503 for the request).
 */
export type OverflowPolicy = 'block' | 'drop' | 'fail';

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** Application id written in every record (`app`). */
  app: string;
  /** Where records go: {@link createFileSink} (the default choice), a pino sink or your own. */
  sink: AuditSink;
  /**
   * HMAC key of the chain, or `null` for an unchained log (faster, not tamper-evident; records
   * then carry `kid: "none"` and empty `prev`/`hmac`).
   */
  key: AuditKey | null;
  /** Continue an existing chain: the `hmac` of its last record. Default: a new chain. */
  prev?: string | undefined;
  /** First `seq` minus one when continuing a chain. Default 0. */
  lastSeq?: number | undefined;
  clock?: Clock | undefined;
  /**
   * Core's event bus: every security event on it is audited, and the log publishes
   * `sys_audit_error` / `sys_audit_dropped` on it (for metrics and alerting).
   */
  /** The app's security context: its bus is used when `events` is not given. */
  context?: Pick<SecurityContext, 'events'> | undefined;
  events?: EventBus | undefined;
  /** Queue bound, in records. Default 10 000. */
  maxQueue?: number | undefined;
  /** Default `block`. */
  overflow?: OverflowPolicy | undefined;
  /** Records per write. Default 256. */
  batchSize?: number | undefined;
  /**
   * Longest time a record waits in memory before its batch is written, in ms (a full batch is
   * written at once). Default 100. With `batchSize`, this bounds what a crash (SIGKILL, power
   * loss) can lose while the disk keeps up: the last partial batch and the one being written;
   * when the disk falls behind, the backlog (at most `maxQueue`, plus waiting `block` callers).
   */
  flushIntervalMs?: number | undefined;
  /** Attribute names copied from bus events. Default {@link DEFAULT_ATTRIBUTE_KEYS}. */
  attributeKeys?: readonly string[] | undefined;
  /** Signed checkpoints (Ed25519 JWS). Off unless given. */
  checkpoints?: CheckpointOptions | undefined;
  /** Called with every sink or checkpoint error (after the event is published). */
  onError?: ((error: AuditError) => void) | undefined;
}

/** Counters of the log, for metrics. */
export interface AuditStats {
  /** Records accepted (queued) since creation. */
  accepted: number;
  /** Records the sink confirmed. */
  written: number;
  /** Records dropped by the `drop` policy. */
  dropped: number;
  /** Failed sink writes and checkpoints. */
  errors: number;
  /** Records waiting in memory (queued, waiting for room, or in a failed batch). */
  pending: number;
  /** `seq` of the last record written. */
  lastSeq: number;
}

/** The audit log. */
export interface AuditLog {
  /**
   * Records a file access (`sensitive_read` / `sensitive_create` / `sensitive_update` /
   * `sensitive_delete`, or `authz_fail` when denied). Only enqueues: the encoding, the HMAC and
   * the write happen off the request path. Returns a promise only when the `block` policy waits.
   */
  fileAccess(input: FileAccessInput): void | Promise<void>;
  /**
   * {@link AuditLog.fileAccess} for hooks that run after the response is sent (adapters), where
   * a throw would have nowhere to go: never throws. A record it cannot queue (the `fail` policy
   * on a full queue, a closed log) is counted as dropped, published as `sys_audit_dropped` and
   * noted in the log; invalid input goes to `onError` and `sys_audit_error`.
   */
  fileAccessAfterResponse(input: FileAccessInput): void;
  /** Records a security event directly (without going through a bus). */
  event(input: SecurityEventInput): void | Promise<void>;
  /** Resolves once every record accepted so far is written; rejects with `ERR_AUDIT_WRITE_FAILED`. */
  flush(): Promise<void>;
  /** Stops accepting, writes everything, writes a last checkpoint, closes the sink. Idempotent. */
  close(): Promise<void>;
  stats(): AuditStats;
  /** The last signed checkpoint, if any. */
  readonly lastCheckpoint: SignedCheckpoint | undefined;
}

const SELF_EVENTS: ReadonlySet<SecurityEventName> = new Set(['sys_audit_error', 'sys_audit_dropped']);
const FILE_ACTIONS: ReadonlySet<string> = new Set(['read', 'write', 'delete']);
const OUTCOMES: ReadonlySet<string> = new Set(['success', 'failure', 'denied']);

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`audit ${name} must be a positive integer`);
  return n;
}

/**
 * Creates the audit log.
 *
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto';
 * const events = createEventBus();
 * const audit = createAuditLog({
 *   app: 'files-api',
 *   key: { kid: 'k1', secret: randomBytes(32) },
 *   sink: createFileSink({ dir: '/var/log/files-api' }),
 *   events,
 * });
 * audit.fileAccess({ userId: 'u1', action: 'read', resource: 'invoice-42.pdf', outcome: 'success' });
 * installShutdownHooks(audit);
 * ```
 */
export function createAuditLog(given: AuditLogOptions): AuditLog {
  const options: AuditLogOptions =
    given.events || !given.context ? given : { ...given, events: given.context.events };
  const app = options.app;
  if (typeof app !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(app))
    throw new ConfigError('audit app must match [A-Za-z0-9._-]{1,64}');
  const sink = options.sink;
  const clock = options.clock ?? systemClock;
  const maxQueue = positiveInt('maxQueue', options.maxQueue, 10_000);
  const batchSize = positiveInt('batchSize', options.batchSize, 256);
  const flushIntervalMs = positiveInt('flushIntervalMs', options.flushIntervalMs, 100);
  const overflow = options.overflow ?? 'block';
  if (overflow !== 'block' && overflow !== 'drop' && overflow !== 'fail')
    throw new ConfigError('audit overflow must be block, drop or fail');
  const attributeKeys = new Set(options.attributeKeys ?? DEFAULT_ATTRIBUTE_KEYS);
  for (const k of attributeKeys)
    if (FORBIDDEN_ATTRIBUTE_KEY.test(k)) throw new ConfigError(`audit attribute "${k}" names a credential`);
  const chain: Chain = createChain(options.key, options.prev);
  let seq = options.lastSeq ?? 0;
  const cp = options.checkpoints;
  const cpEvery = positiveInt('checkpoints.everyRecords', cp?.everyRecords, 1000);
  const cpEveryMs = positiveInt('checkpoints.everyMs', cp?.everyMs, 60_000);
  let cpSeq = seq;
  let cpTime = clock.now();
  let lastCheckpoint: SignedCheckpoint | undefined;

  // A FIFO as an array and a head index: taking a batch never copies the records behind it.
  let queue: PendingRecord[] = [];
  let head = 0;
  const queued = () => queue.length - head;
  const waiters: Array<{ rec: PendingRecord; resolve: () => void }> = [];
  let inflight: { records: AuditRecord[]; lines: string[] } | null = null;
  let droppedUnreported = 0;
  let closed = false;
  let closing: Promise<void> | null = null;
  let draining: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let retryDelay = flushIntervalMs;
  const stats = { accepted: 0, written: 0, dropped: 0, errors: 0 };
  let writtenSeq = seq;

  const report = (code: string, error: unknown) => {
    stats.errors++;
    const err =
      error instanceof AuditError
        ? error
        : new AuditError('ERR_AUDIT_WRITE_FAILED', `audit sink failed (${code})`, { cause: error });
    options.events?.publish({ name: 'sys_audit_error', reason: code, attributes: { errorCode: code } });
    try {
      options.onError?.(err);
    } catch {
      // A failing error handler must not stop the writer.
    }
  };

  const work = () => queued() > 0 || waiters.length > 0 || inflight !== null || droppedUnreported > 0;

  let timerDelay = 0;
  const schedule = (delay: number) => {
    if (draining !== null) return;
    if (timer !== null) {
      // A full batch must not wait for the flush-interval timer armed by its first record.
      if (delay >= timerDelay) return;
      clearTimeout(timer);
    }
    timerDelay = delay;
    timer = setTimeout(() => {
      timer = null;
      startDrain().catch(() => {
        // Reported in run(); the next attempt is scheduled there.
      });
    }, delay);
    timer.unref?.();
  };

  const refill = () => {
    while (waiters.length > 0 && queued() < maxQueue) {
      const w = waiters.shift()!;
      queue.push(w.rec);
      w.resolve();
    }
  };

  const nextBatch = (): { records: AuditRecord[]; lines: string[] } => {
    const records: AuditRecord[] = [];
    const lines: string[] = [];
    const push = (p: PendingRecord) => {
      p.seq = ++seq;
      const sealed = chain.seal(encodeRecord(p, app, attributeKeys));
      records.push(sealed.record);
      lines.push(sealed.line);
    };
    if (droppedUnreported > 0) {
      const n = droppedUnreported;
      droppedUnreported = 0;
      options.events?.publish({ name: 'sys_audit_dropped', attributes: { dropped: n } });
      const p: PendingRecord = {
        seq: 0,
        time: clock.now(),
        event: 'sys_audit_dropped',
        level: defaultEventLevel('sys_audit_dropped'),
        attrs: { dropped: n },
      };
      push(p);
    }
    const room = batchSize - records.length;
    const end = Math.min(queue.length, head + room);
    for (let i = head; i < end; i++) push(queue[i]!);
    head = end;
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head >= 4096 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    refill();
    return { records, lines };
  };

  const checkpoint = async (force: boolean) => {
    if (!cp || options.key === null) return;
    const at = chain.lastSeq;
    const due = at - cpSeq >= cpEvery || clock.now() - cpTime >= cpEveryMs;
    if (at === cpSeq || (!force && !due)) return;
    try {
      const signed = await signCheckpoint(
        { app, seq: at, hmac: chain.last, time: new Date(clock.now()).toISOString() },
        cp.privateKey,
        cp.kid,
      );
      cpSeq = at;
      cpTime = clock.now();
      lastCheckpoint = signed;
      await sink.checkpoint?.(signed);
      for (const s of cp.sinks ?? []) await s.write(signed);
    } catch (err) {
      report(errorCode(err), err);
    }
  };

  const run = async () => {
    while (work()) {
      if (inflight === null) inflight = nextBatch();
      try {
        if (inflight.records.length > 0) await sink.write(inflight.records, inflight.lines);
      } catch (err) {
        report(errorCode(err), err);
        retryDelay = Math.min(retryDelay * 2, 5000);
        throw new AuditError('ERR_AUDIT_WRITE_FAILED', 'audit sink write failed', { cause: err });
      }
      stats.written += inflight.records.length;
      writtenSeq = inflight.records.at(-1)?.seq ?? writtenSeq;
      inflight = null;
      retryDelay = flushIntervalMs;
      await checkpoint(false);
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

  const accept = (rec: PendingRecord): void | Promise<void> => {
    if (closed) throw new AuditError('ERR_AUDIT_CLOSED', 'the audit log is closed');
    if (queued() >= maxQueue) {
      // `block` holds at most another maxQueue records for waiting callers: a stuck disk must
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
        waiters.push({ rec, resolve });
        if (draining === null) schedule(0);
      });
    }
    stats.accepted++;
    queue.push(rec);
    schedule(queued() >= batchSize ? 0 : flushIntervalMs);
  };

  const unsubscribe = options.events?.subscribe(
    (e: SecurityEvent) => {
      if (closed) return;
      return accept(pendingFromEvent(0, e));
    },
    SECURITY_EVENT_NAMES.filter((n) => !SELF_EVENTS.has(n)),
  );

  const flush = async (): Promise<void> => {
    while (work()) await startDrain();
  };

  const fileAccess = (input: FileAccessInput): void | Promise<void> => {
    if (!FILE_ACTIONS.has(input.action) || !OUTCOMES.has(input.outcome) || typeof input.resource !== 'string')
      throw new AuditError('ERR_AUDIT_INPUT_INVALID', 'fileAccess needs action, resource and outcome');
    return accept({
      seq: 0,
      time: clock.now(),
      event: fileAccessEvent(input),
      level: fileAccessLevel(input.outcome),
      user: input.userId,
      action: input.action,
      resource: input.resource,
      outcome: input.outcome,
      reason: input.reason,
      reqId: input.requestId,
      ip: input.clientAddress,
      method: input.method,
      route: input.route,
      ua: input.userAgent,
    });
  };

  return {
    fileAccess,
    fileAccessAfterResponse(input) {
      try {
        // A `block` wait settles once queued and never rejects.
        void fileAccess(input);
      } catch (err) {
        if (err instanceof AuditError && err.code === 'ERR_AUDIT_INPUT_INVALID') {
          report(err.code, err);
          return;
        }
        stats.dropped++;
        if (closed) options.events?.publish({ name: 'sys_audit_dropped', attributes: { dropped: 1 } });
        else {
          droppedUnreported++;
          schedule(flushIntervalMs);
        }
      }
    },
    event(input) {
      return accept(
        pendingFromEvent(0, {
          ...input,
          time: input.time ?? clock.now(),
          level: input.level ?? defaultEventLevel(input.name),
        }),
      );
    },
    flush,
    close() {
      closing ??= (async () => {
        closed = true;
        unsubscribe?.();
        try {
          await flush();
          await checkpoint(true);
        } finally {
          if (timer !== null) clearTimeout(timer);
          timer = null;
          await sink.close();
        }
      })();
      return closing;
    },
    stats: () => ({
      ...stats,
      pending: queued() + waiters.length + (inflight?.records.length ?? 0),
      lastSeq: writtenSeq,
    }),
    get lastCheckpoint() {
      return lastCheckpoint;
    },
  };
}

function errorCode(err: unknown): string {
  if (isPortcullisError(err)) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? code : 'EUNKNOWN';
}
