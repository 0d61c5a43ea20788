import * as fsp from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import {
  type Clock,
  ConfigError,
  checkOptions,
  type EventBus,
  type KnownOptions,
  systemClock,
} from '@portcullis/core';
import type { SignedCheckpoint } from './checkpoint.js';
import type { AuditSink } from './sink.js';

const gzip = promisify(gzipCb);

/** The open file the sink appends to (a subset of `fs/promises` FileHandle). */
export interface AuditFileHandle {
  write(data: Uint8Array): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system calls the sink makes. The default is `node:fs/promises`; tests inject one that
 * fails with ENOSPC or EACCES (tests run as root, where a read-only folder does not stop writes).
 */
export interface AuditFs {
  open(path: string, flags: string): Promise<AuditFileHandle>;
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<{ mtimeMs: number }>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  appendFile(path: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

/** `node:fs/promises` behind {@link AuditFs}. */
export const nodeAuditFs: AuditFs = {
  async open(path, flags) {
    const h = await fsp.open(path, flags, 0o640);
    return {
      write: (data) => h.write(data),
      sync: () => h.sync(),
      truncate: (len) => h.truncate(len),
      close: () => h.close(),
    };
  },
  async mkdir(path) {
    await fsp.mkdir(path, { recursive: true, mode: 0o750 });
  },
  readdir: (path) => fsp.readdir(path),
  stat: (path) => fsp.stat(path),
  readFile: (path) => fsp.readFile(path),
  writeFile: (path, data) => fsp.writeFile(path, data, { mode: 0o640 }),
  appendFile: (path, data) => fsp.appendFile(path, data, { mode: 0o640 }),
  rename: (a, b) => fsp.rename(a, b),
  unlink: (path) => fsp.unlink(path),
};

/** Options of {@link createFileSink}. */
export interface FileSinkOptions {
  /** Folder of the log files (created if missing). */
  dir: string;
  /** File name prefix. Default `audit`. */
  name?: string | undefined;
  /** Rotate before a batch would take the file past this size. Default 10 MiB. */
  maxBytes?: number | undefined;
  /** Rotate the first write after the file is this old, in ms. Default 24 h. */
  maxAgeMs?: number | undefined;
  /** Keep at most this many sealed files of this name (all processes). Default unlimited. */
  retainFiles?: number | undefined;
  /**
   * Delete sealed files older than this, in ms. Default 365 days: PCI DSS v4.0 requirement
   * 10.5.1 keeps audit history for at least 12 months.
   */
  retainMs?: number | undefined;
  /** Gzip sealed files (zlib, no shell). Default true. */
  gzip?: boolean | undefined;
  /** fsync after every batch, so an acknowledged batch survives a power loss. Default false. */
  fsync?: boolean | undefined;
  clock?: Clock | undefined;
  /** Host in the file name. Default `os.hostname()`. */
  host?: string | undefined;
  /** Process id in the file name. Default `process.pid`. */
  pid?: number | undefined;
  fs?: AuditFs | undefined;
  /** Where compression and retention failures are published (`sys_audit_error`); writes reject instead. */
  events?: EventBus | undefined;
}

/** The file sink, with what tests and operators need to find its files. */
export interface FileSink extends AuditSink {
  /** Path of the file being written, if one is open. */
  readonly currentFile: string | undefined;
  /** Path of the checkpoint side file. */
  readonly checkpointFile: string;
  /** The files of this process so far, oldest first (sealed ones with their final name). */
  files(): string[];
  /** Resolves when the compression and retention of every file sealed so far are done. */
  settled(): Promise<void>;
}

const MIB = 1024 * 1024;
const DAY = 86_400_000;
const FILE_RE = /^(.+)-(\d{6})\.jsonl(\.gz)?$/;

function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Creates the JSON-lines file sink: one file per process (`<name>-<host>-<pid>-<start>-NNNNNN.jsonl`,
 * so cluster workers never interleave), rotated by size and age at batch boundaries (so the
 * sink knows exactly which record ends each file), sealed files gzipped, retention by count and
 * age. A failed write is cut back to the previous end of file and rejected, so the log can retry
 * it without duplicating lines.
 *
 * @example
 * ```ts
 * const sink = createFileSink({ dir: './audit', maxBytes: 50 * 1024 * 1024, fsync: true });
 * const audit = createAuditLog({ app: 'api', key, sink });
 * ```
 */
export function createFileSink(options: FileSinkOptions): FileSink {
  checkOptions('createFileSink', options, {
    dir: true,
    name: true,
    maxBytes: true,
    maxAgeMs: true,
    retainFiles: true,
    retainMs: true,
    gzip: true,
    fsync: true,
    clock: true,
    host: true,
    pid: true,
    fs: true,
    events: true,
  } satisfies KnownOptions<FileSinkOptions>);
  const fs = options.fs ?? nodeAuditFs;
  const clock = options.clock ?? systemClock;
  const dir = options.dir;
  const name = options.name ?? 'audit';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
    throw new ConfigError('audit file name must match [A-Za-z0-9._-]{1,64}');
  const maxBytes = options.maxBytes ?? 10 * MIB;
  const maxAgeMs = options.maxAgeMs ?? DAY;
  const retainFiles = options.retainFiles ?? Number.POSITIVE_INFINITY;
  const retainMs = options.retainMs ?? 365 * DAY;
  if (!(maxBytes > 0) || !(maxAgeMs > 0) || !(retainFiles >= 1) || !(retainMs > 0))
    throw new ConfigError('audit file sink sizes, ages and counts must be positive');
  const useGzip = options.gzip ?? true;
  const fsync = options.fsync ?? false;
  const host = (options.host ?? hostname()).replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 64) || 'host';
  const pid = options.pid ?? process.pid;
  const prefix = `${name}-${host}-${pid}-${stamp(clock.now())}`;
  const checkpointFile = join(dir, `${prefix}.checkpoints.jsonl`);

  let index = 0;
  let handle: AuditFileHandle | null = null;
  let current: string | undefined;
  let size = 0;
  let openedAt = 0;
  let dirReady = false;
  const files: string[] = [];

  const report = (error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    const reason = typeof code === 'string' ? code : 'EUNKNOWN';
    options.events?.publish({ name: 'sys_audit_error', reason, attributes: { errorCode: reason } });
  };

  const ensureDir = async () => {
    if (dirReady) return;
    await fs.mkdir(dir);
    dirReady = true;
  };

  const open = async () => {
    await ensureDir();
    index++;
    const path = join(dir, `${prefix}-${String(index).padStart(6, '0')}.jsonl`);
    // `ax`: O_APPEND (after a cut-back, the next write lands at the new end, not past a hole) and
    // O_EXCL (never continue a file another process, or a reused pid, already wrote).
    handle = await fs.open(path, 'ax');
    current = path;
    files.push(path);
    size = 0;
    openedAt = clock.now();
  };

  // Compression and retention run in the background, one sealed file after the other, so a
  // rotation never holds up the batch that triggered it; close() waits for them.
  let background: Promise<void> = Promise.resolve();

  const compress = async (path: string) => {
    if (useGzip) {
      try {
        const gz = await gzip(await fs.readFile(path));
        await fs.writeFile(`${path}.gz.tmp`, gz);
        await fs.rename(`${path}.gz.tmp`, `${path}.gz`);
        await fs.unlink(path);
        files[files.indexOf(path)] = `${path}.gz`;
      } catch (err) {
        // The plain file is complete and still verifiable; say so rather than fail a batch.
        report(err);
      }
    }
    await retain();
  };

  const seal = async () => {
    if (!handle || !current) return;
    const path = current;
    const h = handle;
    handle = null;
    current = undefined;
    await h.close();
    background = background.then(() => compress(path));
  };

  const retain = async () => {
    if (retainFiles === Number.POSITIVE_INFINITY && retainMs === Number.POSITIVE_INFINITY) return;
    try {
      const ours = new Set(files);
      const sealed: Array<{ path: string; mtimeMs: number }> = [];
      for (const f of await fs.readdir(dir)) {
        const m = FILE_RE.exec(f);
        if (!m || !f.startsWith(`${name}-`)) continue;
        const path = join(dir, f);
        // Another process's plain file may be live: only gzipped (sealed) ones are touched.
        if (path === current || (!m[3] && !ours.has(path))) continue;
        sealed.push({ path, mtimeMs: (await fs.stat(path)).mtimeMs });
      }
      sealed.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
      const now = clock.now();
      for (let i = 0; i < sealed.length; i++) {
        const s = sealed[i]!;
        if (sealed.length - i > retainFiles || now - s.mtimeMs > retainMs) await fs.unlink(s.path);
      }
    } catch (err) {
      report(err);
    }
  };

  return {
    get currentFile() {
      return current;
    },
    checkpointFile,
    files: () => [...files],
    settled: () => background,
    async write(_records, lines, bytes) {
      if (lines.length === 0) return;
      // The audit log hands over the lines already encoded (the bytes its chain signed).
      const buf = bytes ?? Buffer.from(`${lines.join('\n')}\n`, 'utf8');
      if (handle && size > 0 && (size + buf.length > maxBytes || clock.now() - openedAt >= maxAgeMs))
        await seal();
      if (!handle) await open();
      const h = handle!;
      const before = size;
      try {
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await h.write(buf.subarray(off));
          if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
          off += bytesWritten;
        }
        if (fsync) await h.sync();
        size += buf.length;
      } catch (err) {
        // Cut the torn batch off so the retry does not duplicate or corrupt lines.
        await h.truncate(before).catch(() => undefined);
        throw err;
      }
    },
    async checkpoint(cp: SignedCheckpoint) {
      await ensureDir();
      await fs.appendFile(checkpointFile, `${JSON.stringify(cp)}\n`);
    },
    async close() {
      await seal();
      await background;
    },
  };
}
