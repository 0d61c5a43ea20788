/**
 * Audit log throughput and request-path cost, against pino writing the same records to a file.
 *
 * Throughput cases: one op = 1000 file-access records handed to the logger, then waiting until
 * every one of them has been written to the file (our `flush()`; for pino, its sonic-boom
 * destination has nothing pending). Same records, same folder, same run, so nobody's figure is
 * flattered by a backlog left in memory. records/s = ops/s x 1000.
 *
 * Same job as pino: pino appends lines to one file and never compresses, so our rows other than
 * `chained-file-gzip` turn off the file sink's gzip of sealed files (`gzip: false`). With the
 * default (`chained-file-gzip`) every 10 MiB file is compressed on the thread pool while the next
 * one is written: ~3.5 µs of CPU per record on this workload, on the same two cores as the writes.
 * Rotation stays on everywhere (pino has none; it costs a rename per 10 MiB).
 *
 * Request-path cases: one op = one call as a route handler makes it (`audit.fileAccess(...)`,
 * `logger.info(...)`), timed alone; the p99 is what a request pays. Compare their p99, not their
 * ops/s: those include the writer's work done in the yields (see below), which differs by design
 * (ours encodes and chains there; pino serialises in the call itself).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AuditLog,
  type AuditSink,
  createAuditLog,
  createFileSink,
  type FileAccessInput,
} from '@portcullis/audit';
import { pino } from 'pino';
import { type BenchCase, report, runCases } from './lib.ts';

const CHUNK = 1000;
const key = { kid: 'bench', secret: randomBytes(32) };
const root = mkdtempSync(join(tmpdir(), 'portcullis-bench-audit-'));
let n = 0;
const freshDir = () => join(root, String(n++));

// The same record for everyone: what a download route audits.
const input: FileAccessInput = {
  userId: 'user-8f14e45f',
  action: 'read',
  resource: 'invoices/2026/invoice-000042.pdf',
  outcome: 'success',
  requestId: 'req-7d9a1c3e',
  clientAddress: '203.0.113.9',
  method: 'GET',
  route: '/files/:id',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0',
};
const pinoRecord = {
  event: 'sensitive_read',
  user: input.userId,
  action: input.action,
  resource: input.resource,
  outcome: input.outcome,
  reqId: input.requestId,
  ip: input.clientAddress,
  method: input.method,
  route: input.route,
  ua: input.userAgent,
};

interface SonicBoomLike {
  _len: number;
  _writing: boolean;
  once(event: string, fn: () => void): unknown;
  end(): void;
}

/** Resolves once sonic-boom has nothing buffered and no write in flight (it emits `drain` then). */
async function pinoIdle(dest: SonicBoomLike): Promise<void> {
  while (dest._len > 0 || dest._writing) await once(dest as never, 'drain');
}

function pinoCase(): BenchCase {
  let logger: ReturnType<typeof pino> | undefined;
  let dest: (SonicBoomLike & ReturnType<typeof pino.destination>) | undefined;
  return {
    id: 'file/pino',
    setup: async () => {
      dest = pino.destination({ dest: join(freshDir(), 'pino.log'), sync: false, mkdir: true }) as never;
      await once(dest as never, 'ready');
      logger = pino({ base: null }, dest);
    },
    fn: async () => {
      for (let i = 0; i < CHUNK; i++) logger!.info(pinoRecord, 'audit');
      await pinoIdle(dest!);
    },
    teardown: async () => {
      await pinoIdle(dest!);
      dest!.end();
    },
  };
}

function oursCase(id: string, opts: { chained: boolean; fsync: boolean; gzip: boolean }): BenchCase {
  let log: AuditLog | undefined;
  return {
    id,
    baseline: 'file/pino',
    setup: () => {
      log = createAuditLog({
        app: 'bench',
        key: opts.chained ? key : null,
        sink: createFileSink({ dir: freshDir(), fsync: opts.fsync, gzip: opts.gzip }),
      });
    },
    fn: async () => {
      for (let i = 0; i < CHUNK; i++) log!.fileAccess(input);
      await log!.flush();
    },
    teardown: () => log!.close(),
  };
}

// Request path: every 256th call yields to the event loop, as a server does between requests, so
// that the writers run (ours encodes, chains and writes there; pino's destination writes there)
// and the queue stays as small as in production. That 1 call in 256 carries the writer's work and
// sits above the p99 (0.4% of samples); every other sample is the call a handler makes. Our
// writer goes to a no-op sink so that the disk does not colour the figure.
const discard: AuditSink = { write: async () => {}, close: async () => {} };
const YIELD_EVERY = 256;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
function enqueueCase(): BenchCase {
  let log: AuditLog | undefined;
  let calls = 0;
  return {
    id: 'enqueue/portcullis',
    setup: () => {
      log = createAuditLog({ app: 'bench', key, sink: discard });
    },
    fn: () => {
      log!.fileAccess(input);
      if (++calls % YIELD_EVERY === 0) return yieldToLoop();
      return undefined;
    },
    teardown: () => log!.close(),
  };
}
function pinoEnqueueCase(): BenchCase {
  let logger: ReturnType<typeof pino> | undefined;
  let calls = 0;
  let dest: (SonicBoomLike & ReturnType<typeof pino.destination>) | undefined;
  return {
    id: 'enqueue/pino',
    setup: async () => {
      dest = pino.destination({ dest: join(freshDir(), 'pino.log'), sync: false, mkdir: true }) as never;
      await once(dest as never, 'ready');
      logger = pino({ base: null }, dest);
    },
    fn: () => {
      logger!.info(pinoRecord, 'audit');
      if (++calls % YIELD_EVERY === 0) return yieldToLoop();
      return undefined;
    },
    teardown: async () => {
      await pinoIdle(dest!);
      dest!.end();
    },
  };
}

const results = await runCases([
  pinoCase(),
  oursCase('chained-file/portcullis', { chained: true, fsync: false, gzip: false }),
  oursCase('chained-file-gzip/portcullis', { chained: true, fsync: false, gzip: true }),
  oursCase('unchained-file/portcullis', { chained: false, fsync: false, gzip: false }),
  oursCase('chained-file-fsync/portcullis', { chained: true, fsync: true, gzip: false }),
  pinoEnqueueCase(),
  enqueueCase(),
]);
for (const r of results) {
  if (!r.id.startsWith('enqueue/')) r.recordsPerSec = r.opsPerSec * CHUNK;
}
report('audit', results);
rmSync(root, { recursive: true, force: true });
