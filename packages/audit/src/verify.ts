import { createSecretKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { GENESIS, recordHmac } from './chain.js';
import { type CheckpointPayload, verifyCheckpoint } from './checkpoint.js';
import { type AuditFields, type AuditRecord, RECORD_KEYS } from './record.js';

/** Kinds of integrity failure `verify` reports. */
export type TamperKind =
  /** A record's content no longer matches its HMAC (or it gained or lost a field). */
  | 'changed'
  /** A record that does not belong in the chain (forged, or a replayed copy). */
  | 'inserted'
  /** One or more records are missing (the chain skips sequence numbers). */
  | 'deleted'
  /** Records are present but out of order. */
  | 'reordered'
  /** The log ends before the last signed checkpoint, or its last line is torn. */
  | 'truncated'
  /** A line is not a record at all. */
  | 'malformed'
  /** A record names a key id the verifier was not given. */
  | 'unknown-key'
  /** A checkpoint's signature does not verify. */
  | 'bad-checkpoint';

/** The first problem found. */
export interface VerifyIssue {
  kind: TamperKind;
  /** File and 1-based line of the offending record, when there is one. */
  file?: string | undefined;
  line?: number | undefined;
  /** `seq` the record claims. */
  seq?: number | undefined;
  /** `seq` the chain expected at that point. */
  expectedSeq?: number | undefined;
  message: string;
}

/** Result of a verification. */
export interface VerifyReport {
  ok: boolean;
  records: number;
  files: number;
  firstSeq?: number | undefined;
  lastSeq?: number | undefined;
  /** Highest signed checkpoint that was checked. */
  checkpointSeq?: number | undefined;
  issue?: VerifyIssue | undefined;
  /** Non-fatal findings (a head pruned by retention when allowed). */
  warnings: string[];
}

/** Options of {@link verifyFiles} / {@link verifyLines}. */
export interface VerifyOptions {
  /** HMAC keys by `kid`. */
  keys: Readonly<Record<string, Uint8Array | KeyObject>>;
  /** Signed checkpoints: compact JWS strings, or objects with a `jws` member. */
  checkpoints?: ReadonlyArray<string | { jws: string }> | undefined;
  /** Ed25519 public key of the checkpoints (required when checkpoints are given). */
  publicKey?: KeyObject | CryptoKey | undefined;
  /**
   * Accept a chain that starts after `seq` 1 (its oldest files deleted by retention). Default
   * false: a missing head is reported as `deleted`.
   */
  allowPrunedHead?: boolean | undefined;
}

/** One line of a log file, with where it came from. */
export interface LogLine {
  text: string;
  file: string;
  line: number;
}

interface Entry {
  rec: AuditRecord;
  at: LogLine;
  ok: boolean;
  why: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads log files (plain or gzipped, by magic bytes) into lines, in the order given. */
export async function readLogLines(
  paths: readonly string[],
): Promise<{ lines: LogLine[]; tornTail: boolean }> {
  const lines: LogLine[] = [];
  let tornTail = false;
  for (const [i, file] of paths.entries()) {
    let buf: Uint8Array = await readFile(file);
    if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
    const text = Buffer.from(buf).toString('utf8');
    const parts = text.split('\n');
    const last = parts.pop();
    if (last !== undefined && last !== '') {
      parts.push(last);
      if (i === paths.length - 1) tornTail = true;
    }
    parts.forEach((t, n) => {
      lines.push({ text: t, file, line: n + 1 });
    });
  }
  return { lines, tornTail };
}

function parse(at: LogLine): AuditRecord | string {
  let v: unknown;
  try {
    v = JSON.parse(at.text);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const r = v as Record<string, unknown>;
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 1) return 'no valid seq';
  if (typeof r.kid !== 'string' || typeof r.prev !== 'string' || typeof r.hmac !== 'string')
    return 'no chain fields';
  return r as unknown as AuditRecord;
}

function toKey(k: Uint8Array | KeyObject): KeyObject {
  return k instanceof Uint8Array ? createSecretKey(k) : k;
}

/** Verifies an ordered list of lines (one process's chain, oldest first). */
export async function verifyLines(
  lines: readonly LogLine[],
  options: VerifyOptions,
  meta: { files?: number; tornTail?: boolean } = {},
): Promise<VerifyReport> {
  const keys = new Map(Object.entries(options.keys).map(([kid, k]) => [kid, toKey(k)]));
  const report: VerifyReport = { ok: false, records: 0, files: meta.files ?? 0, warnings: [] };
  const fail = (issue: VerifyIssue): VerifyReport => ({ ...report, ok: false, issue });

  // 1. Parse and check each record's own HMAC.
  const entries: Entry[] = [];
  for (const [i, at] of lines.entries()) {
    const rec = parse(at);
    if (typeof rec === 'string') {
      if (i === lines.length - 1 && meta.tornTail)
        return fail({
          kind: 'truncated',
          file: at.file,
          line: at.line,
          message: 'the last line is torn (cut mid-record)',
        });
      return fail({
        kind: 'malformed',
        file: at.file,
        line: at.line,
        message: `line is not a record: ${rec}`,
      });
    }
    const key = keys.get(rec.kid);
    if (!key)
      return fail({
        kind: 'unknown-key',
        file: at.file,
        line: at.line,
        seq: rec.seq,
        message: `no key for kid "${rec.kid}"`,
      });
    let ok = HEX64.test(rec.hmac) && (rec.prev === GENESIS || HEX64.test(rec.prev));
    let why = ok ? '' : 'chain fields are malformed';
    if (ok) {
      for (const k of Object.keys(rec)) {
        if (!RECORD_KEYS.has(k) || (rec as unknown as Record<string, unknown>)[k] === null) {
          ok = false;
          why = `unexpected field "${k}"`;
          break;
        }
      }
    }
    if (ok && recordHmac(key, rec as AuditFields, rec.kid, rec.prev) !== rec.hmac) {
      ok = false;
      why = 'content does not match its HMAC';
    }
    entries.push({ rec, at, ok, why });
  }
  report.records = entries.length;
  if (entries.length === 0) return { ...report, ok: true };

  // 2. Walk the chain.
  const first = entries[0]!;
  let expectedPrev = GENESIS;
  let prevSeq = 0;
  if (first.rec.seq !== 1 || first.rec.prev !== GENESIS) {
    if (!options.allowPrunedHead || !first.ok)
      return fail({
        kind: 'deleted',
        file: first.at.file,
        line: first.at.line,
        seq: first.rec.seq,
        expectedSeq: 1,
        message: `the chain starts at seq ${first.rec.seq}, not at its first record`,
      });
    report.warnings.push(`head pruned: the chain starts at seq ${first.rec.seq}`);
    expectedPrev = first.rec.prev;
    prevSeq = first.rec.seq - 1;
  }
  report.firstSeq = first.rec.seq;
  const seen = new Set<string>();
  const bySeq = new Map<number, Entry>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const where = { file: e.at.file, line: e.at.line, seq: e.rec.seq, expectedSeq: prevSeq + 1 };
    if (!e.ok) {
      const next = entries[i + 1];
      if (next?.ok && next.rec.prev === expectedPrev && next.rec.seq === prevSeq + 1)
        return fail({
          kind: 'inserted',
          ...where,
          message: `a record that is not part of the chain (${e.why})`,
        });
      return fail({ kind: 'changed', ...where, message: `record changed: ${e.why}` });
    }
    if (e.rec.prev !== expectedPrev || e.rec.seq !== prevSeq + 1) {
      if (seen.has(e.rec.hmac))
        return fail({ kind: 'inserted', ...where, message: 'a copy of an earlier record (replay)' });
      if (e.rec.seq <= prevSeq)
        return fail({ kind: 'reordered', ...where, message: `seq ${e.rec.seq} after seq ${prevSeq}` });
      if (e.rec.seq > prevSeq + 1) {
        const later = entries.slice(i + 1).some((x) => x.rec.seq === prevSeq + 1);
        if (later) return fail({ kind: 'reordered', ...where, message: `seq ${prevSeq + 1} appears later` });
        return fail({
          kind: 'deleted',
          ...where,
          message: `${e.rec.seq - prevSeq - 1} record(s) missing before seq ${e.rec.seq}`,
        });
      }
      return fail({ kind: 'changed', ...where, message: 'prev does not link to the previous record' });
    }
    seen.add(e.rec.hmac);
    bySeq.set(e.rec.seq, e);
    expectedPrev = e.rec.hmac;
    prevSeq = e.rec.seq;
  }
  report.lastSeq = prevSeq;
  if (meta.tornTail) {
    const last = entries.at(-1)!;
    return fail({
      kind: 'truncated',
      file: last.at.file,
      line: last.at.line + 1,
      message: 'the last line is torn',
    });
  }

  // 3. Against the newest signed checkpoint: nothing may be missing at the tail.
  const cps = options.checkpoints ?? [];
  if (cps.length > 0) {
    if (!options.publicKey) throw new TypeError('verify: checkpoints need the public key');
    let best: CheckpointPayload | undefined;
    for (const c of cps) {
      const jws = typeof c === 'string' ? c : c.jws;
      let p: CheckpointPayload;
      try {
        p = await verifyCheckpoint(jws, options.publicKey);
      } catch (err) {
        return fail({
          kind: 'bad-checkpoint',
          message: `checkpoint signature invalid: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
      if (!best || p.seq > best.seq) best = p;
    }
    if (best) {
      report.checkpointSeq = best.seq;
      if (best.seq > prevSeq) {
        const last = entries.at(-1)!;
        return fail({
          kind: 'truncated',
          file: last.at.file,
          line: last.at.line,
          seq: prevSeq,
          expectedSeq: best.seq,
          message: `the log ends at seq ${prevSeq} but a checkpoint signed seq ${best.seq}`,
        });
      }
      const at = bySeq.get(best.seq);
      if (at && at.rec.hmac !== best.hmac)
        return fail({
          kind: 'changed',
          file: at.at.file,
          line: at.at.line,
          seq: best.seq,
          message: 'the record at the checkpoint differs from the signed one',
        });
    }
  }
  return { ...report, ok: true };
}

/**
 * Verifies one file or a rotated set (oldest first; `.gz` files are read too).
 *
 * @example
 * ```ts
 * const r = await verifyFiles(files, { keys: { k1: secret } });
 * if (!r.ok) console.error(r.issue);
 * ```
 */
export async function verifyFiles(paths: readonly string[], options: VerifyOptions): Promise<VerifyReport> {
  const { lines, tornTail } = await readLogLines(paths);
  return verifyLines(lines, options, { files: paths.length, tornTail });
}
