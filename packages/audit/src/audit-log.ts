import { hostname } from 'node:os';
import {
  type Clock,
  ConfigError,
  checkOptions,
  defaultEventLevel,
  type EventBus,
  isPortcullisError,
  type KnownOptions,
  SECURITY_EVENT_NAMES,
  type SecurityContext,
  type SecurityEvent,
  type SecurityEventInput,
  type SecurityEventName,
  systemClock,
} from '@portcullis/core';
import { createBatchWriter, type OverflowPolicy } from './batch-writer.js';
import { type AuditKey, type Chain, createChain } from './chain.js';
import { type CheckpointOptions, type SignedCheckpoint, signCheckpoint } from './checkpoint.js';
import { AuditError } from './errors.js';
import { withAuditKit } from './kit.js';
import { LineBuffer } from './line-buffer.js';
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

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** Application id written in every record (`app`). */
  app: string;
  /**
   * Name of this writer's chain, written in every record (`chain`) and in its checkpoints. Each
   * writer (process, worker) must have its own: the verifier checks a set of files as a set of
   * chains. Default `<host>-<pid>-<start time, base 36>`, unique per writer run.
   */
  chain?: string | undefined;
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
  /** Default `block` (see {@link OverflowPolicy}). */
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
  checkOptions('createAuditLog', given, {
    app: true,
    chain: true,
    sink: true,
    key: true,
    prev: true,
    lastSeq: true,
    clock: true,
    context: true,
    events: true,
    maxQueue: true,
    overflow: true,
    batchSize: true,
    flushIntervalMs: true,
    attributeKeys: true,
    checkpoints: true,
    onError: true,
  } satisfies KnownOptions<AuditLogOptions>);
  const options: AuditLogOptions =
    given.events || !given.context ? given : { ...given, events: given.context.events };
  const app = options.app;
  if (typeof app !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(app))
    throw new ConfigError('audit app must match [A-Za-z0-9._-]{1,64}');
  const sink = options.sink;
  const clock = options.clock ?? systemClock;
  const attributeKeys = new Set(options.attributeKeys ?? DEFAULT_ATTRIBUTE_KEYS);
  for (const k of attributeKeys)
    if (FORBIDDEN_ATTRIBUTE_KEY.test(k)) throw new ConfigError(`audit attribute "${k}" names a credential`);
  const chainName = options.chain ?? defaultChainName(clock.now());
  if (typeof chainName !== 'string' || !CHAIN_NAME.test(chainName))
    throw new ConfigError('audit chain must match [A-Za-z0-9._:-]{1,64}');
  const chain: Chain = createChain(options.key, options.prev);
  let seq = options.lastSeq ?? 0;
  const cp = options.checkpoints;
  const cpEvery = positiveInt('checkpoints.everyRecords', cp?.everyRecords, 1000);
  const cpEveryMs = positiveInt('checkpoints.everyMs', cp?.everyMs, 60_000);
  let cpSeq = seq;
  let cpTime = clock.now();
  let lastCheckpoint: SignedCheckpoint | undefined;
  let errors = 0;
  let writtenSeq = seq;
  // The last record the sink confirmed: checkpoints sign it, never a record only sealed (the
  // writer seals the next batch while one is being written).
  let writtenHmac = chain.last;

  const report = (code: string, error: unknown) => {
    errors++;
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

  const checkpoint = async (force: boolean) => {
    if (!cp || options.key === null) return;
    const at = writtenSeq;
    const due = at - cpSeq >= cpEvery || clock.now() - cpTime >= cpEveryMs;
    if (at === cpSeq || (!force && !due)) return;
    try {
      const signed = await signCheckpoint(
        { app, chain: chainName, seq: at, hmac: writtenHmac, time: new Date(clock.now()).toISOString() },
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

  // Sealing (seq, encoding, HMAC) happens once per batch, off the request path; a failed write
  // retries the same sealed batch, so the chain never skips or repeats a seq.
  const writer = createBatchWriter<PendingRecord, { records: AuditRecord[]; lines: string[]; bytes: Buffer }>(
    {
      maxQueue: positiveInt('maxQueue', options.maxQueue, 10_000),
      batchSize: positiveInt('batchSize', options.batchSize, 256),
      flushIntervalMs: positiveInt('flushIntervalMs', options.flushIntervalMs, 100),
      overflow: options.overflow ?? 'block',
      seal(items, dropped) {
        const records: AuditRecord[] = [];
        const lines: string[] = [];
        // About 500 bytes a line; the buffer grows if the records are longer.
        const out = new LineBuffer((items.length + 1) * 512);
        const push = (p: PendingRecord) => {
          p.seq = ++seq;
          const sealed = chain.seal(encodeRecord(p, app, attributeKeys, chainName), out);
          records.push(sealed.record);
          lines.push(sealed.line);
        };
        if (dropped > 0) {
          options.events?.publish({ name: 'sys_audit_dropped', attributes: { dropped } });
          push({
            seq: 0,
            time: clock.now(),
            event: 'sys_audit_dropped',
            level: defaultEventLevel('sys_audit_dropped'),
            attrs: { dropped },
          });
        }
        for (const p of items) push(p);
        return { records, lines, bytes: out.bytes() };
      },
      size: (b) => b.records.length,
      write: (b) => sink.write(b.records, b.lines, b.bytes),
      async written(b) {
        const lastWritten = b.records.at(-1);
        if (lastWritten !== undefined) {
          writtenSeq = lastWritten.seq;
          writtenHmac = lastWritten.hmac;
        }
        await checkpoint(false);
      },
      onWriteError: (err) => report(errorCode(err), err),
    },
  );
  const accept = (rec: PendingRecord): void | Promise<void> => writer.accept(rec);

  let closing: Promise<void> | null = null;
  const unsubscribe = options.events?.subscribe(
    (e: SecurityEvent) => {
      if (writer.closed) return;
      return accept(pendingFromEvent(0, e));
    },
    SECURITY_EVENT_NAMES.filter((n) => !SELF_EVENTS.has(n)),
  );

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

  return withAuditKit({
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
        if (writer.closed) options.events?.publish({ name: 'sys_audit_dropped', attributes: { dropped: 1 } });
        writer.dropped();
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
    flush: () => writer.flush(),
    close() {
      closing ??= (async () => {
        unsubscribe?.();
        try {
          await writer.close();
          await checkpoint(true);
        } finally {
          await sink.close();
        }
      })();
      return closing;
    },
    stats: () => ({ ...writer.stats(), errors, lastSeq: writtenSeq }),
    get lastCheckpoint() {
      return lastCheckpoint;
    },
  });
}

const CHAIN_NAME = /^[A-Za-z0-9._:-]{1,64}$/;

/** `<host>-<pid>-<start>`: one name per writer run, readable in a directory listing. */
function defaultChainName(now: number): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9.-]/g, '_')
      .slice(0, 40) || 'host';
  return `${host}-${process.pid}-${now.toString(36)}`;
}

function errorCode(err: unknown): string {
  if (isPortcullisError(err)) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? code : 'EUNKNOWN';
}
