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
  | 'bad-checkpoint'
  /** A signed checkpoint names a chain none of whose records are there (a deleted or emptied file). */
  | 'missing-chain';

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
  /** The chain of the offending record. */
  chain?: string | undefined;
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
  /** Each chain verified, by name (`firstSeq`, `lastSeq`, `checkpointSeq` above are set when there is one). */
  chains: ChainReport[];
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
  /** The file's last line, without its newline (a write cut short). */
  torn?: boolean | undefined;
}

interface Entry {
  rec: AuditRecord;
  at: LogLine;
  ok: boolean;
  why: string;
  torn: boolean;
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
    let torn = false;
    if (last !== undefined && last !== '') {
      parts.push(last);
      torn = true;
      if (i === paths.length - 1) tornTail = true;
    }
    parts.forEach((t, n) => {
      lines.push(
        torn && n === parts.length - 1
          ? { text: t, file, line: n + 1, torn }
          : { text: t, file, line: n + 1 },
      );
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

/**
 * The first key that appears twice in one object of a JSON text, or undefined. `JSON.parse`
 * keeps the last value silently, so a line with a key prepended (`{"event":"authn_login_success",
 * ...}`) would show one thing to a reader and verify as another.
 */
export function duplicatedKey(text: string): string | undefined {
  // Stack of the keys of each open object (null for an array); the text is valid JSON.
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (expectKey && top) {
        const k = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(k)) return k;
        top.add(k);
      }
      expectKey = false;
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack.at(-1) != null;
    }
  }
  return undefined;
}

/** The outcome for one chain of a verified set. */
export interface ChainReport {
  /** The chain's name (`''` for records of earlier releases, which carry none). */
  chain: string;
  records: number;
  firstSeq?: number | undefined;
  lastSeq?: number | undefined;
  /** Highest signed checkpoint of this chain that was checked. */
  checkpointSeq?: number | undefined;
}

/**
 * Verifies lines of one or several writers. Records are grouped by their `chain`, each chain is
 * walked in the order its lines come (oldest first), and every chain a signed checkpoint names
 * must be present and reach that checkpoint.
 */
export async function verifyLines(
  lines: readonly LogLine[],
  options: VerifyOptions,
  meta: { files?: number; tornTail?: boolean } = {},
): Promise<VerifyReport> {
  const keys = new Map(Object.entries(options.keys).map(([kid, k]) => [kid, toKey(k)]));
  const report: VerifyReport = { ok: false, records: 0, files: meta.files ?? 0, warnings: [], chains: [] };
  const fail = (issue: VerifyIssue): VerifyReport => ({ ...report, ok: false, issue });

  // 1. Parse and check each record's own HMAC; group by chain.
  const chains = new Map<string, Entry[]>();
  for (const [i, at] of lines.entries()) {
    const torn = at.torn === true || (i === lines.length - 1 && meta.tornTail === true);
    const rec = parse(at);
    if (typeof rec === 'string') {
      if (torn)
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
    const chain = typeof rec.chain === 'string' ? rec.chain : '';
    const key = keys.get(rec.kid);
    if (!key)
      return fail({
        kind: 'unknown-key',
        file: at.file,
        line: at.line,
        seq: rec.seq,
        chain,
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
    if (ok) {
      const dup = duplicatedKey(at.text);
      if (dup !== undefined) {
        ok = false;
        why = `the key "${dup}" appears twice`;
      }
    }
    if (ok && recordHmac(key, rec as AuditFields, rec.kid, rec.prev) !== rec.hmac) {
      ok = false;
      why = 'content does not match its HMAC';
    }
    const group = chains.get(chain) ?? [];
    group.push({ rec, at, ok, why, torn });
    chains.set(chain, group);
    report.records++;
  }

  // 2. The newest signed checkpoint of every chain.
  const best = new Map<string, CheckpointPayload>();
  const cps = options.checkpoints ?? [];
  if (cps.length > 0) {
    if (!options.publicKey) throw new TypeError('verify: checkpoints need the public key');
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
      const had = best.get(p.chain);
      if (!had || p.seq > had.seq) best.set(p.chain, p);
    }
  }

  // 3. Every chain a checkpoint names must be there; then walk each chain.
  for (const [chain, cp] of [...best].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!chains.has(chain))
      return fail({
        kind: 'missing-chain',
        chain,
        seq: 0,
        expectedSeq: cp.seq,
        message: `no record of chain "${chain}", but a checkpoint signed its seq ${cp.seq}`,
      });
  }
  for (const [chain, entries] of [...chains].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const walked = walkChain(chain, entries, best.get(chain), options, report.warnings);
    if ('kind' in walked) return fail(walked);
    report.chains.push(walked);
  }
  if (report.chains.length === 1) {
    const only = report.chains[0]!;
    report.firstSeq = only.firstSeq;
    report.lastSeq = only.lastSeq;
    report.checkpointSeq = only.checkpointSeq;
  } else {
    const seqs = report.chains.map((c) => c.checkpointSeq).filter((n): n is number => n !== undefined);
    if (seqs.length > 0) report.checkpointSeq = Math.max(...seqs);
  }
  return { ...report, ok: true };
}

/** Walks one chain, oldest first, and checks it against its newest checkpoint. */
function walkChain(
  chain: string,
  entries: readonly Entry[],
  cp: CheckpointPayload | undefined,
  options: VerifyOptions,
  warnings: string[],
): ChainReport | VerifyIssue {
  const out: ChainReport = { chain, records: entries.length };
  const first = entries[0]!;
  let expectedPrev = GENESIS;
  let prevSeq = 0;
  if (first.rec.seq !== 1 || first.rec.prev !== GENESIS) {
    if (!options.allowPrunedHead || !first.ok)
      return {
        kind: 'deleted',
        file: first.at.file,
        line: first.at.line,
        seq: first.rec.seq,
        expectedSeq: 1,
        chain,
        message: `the chain starts at seq ${first.rec.seq}, not at its first record`,
      };
    warnings.push(
      `head pruned: the chain${chain === '' ? '' : ` "${chain}"`} starts at seq ${first.rec.seq}`,
    );
    expectedPrev = first.rec.prev;
    prevSeq = first.rec.seq - 1;
  }
  out.firstSeq = first.rec.seq;
  const seen = new Set<string>();
  const bySeq = new Map<number, Entry>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const where = { file: e.at.file, line: e.at.line, seq: e.rec.seq, expectedSeq: prevSeq + 1, chain };
    if (!e.ok) {
      const next = entries[i + 1];
      if (next?.ok && next.rec.prev === expectedPrev && next.rec.seq === prevSeq + 1)
        return { kind: 'inserted', ...where, message: `a record that is not part of the chain (${e.why})` };
      return { kind: 'changed', ...where, message: `record changed: ${e.why}` };
    }
    if (e.rec.prev !== expectedPrev || e.rec.seq !== prevSeq + 1) {
      if (seen.has(e.rec.hmac))
        return { kind: 'inserted', ...where, message: 'a copy of an earlier record (replay)' };
      if (e.rec.seq <= prevSeq)
        return { kind: 'reordered', ...where, message: `seq ${e.rec.seq} after seq ${prevSeq}` };
      if (e.rec.seq > prevSeq + 1) {
        const later = entries.slice(i + 1).some((x) => x.rec.seq === prevSeq + 1);
        if (later) return { kind: 'reordered', ...where, message: `seq ${prevSeq + 1} appears later` };
        return {
          kind: 'deleted',
          ...where,
          message: `${e.rec.seq - prevSeq - 1} record(s) missing before seq ${e.rec.seq}`,
        };
      }
      return { kind: 'changed', ...where, message: 'prev does not link to the previous record' };
    }
    seen.add(e.rec.hmac);
    bySeq.set(e.rec.seq, e);
    expectedPrev = e.rec.hmac;
    prevSeq = e.rec.seq;
  }
  out.lastSeq = prevSeq;
  const last = entries.at(-1)!;
  if (last.torn)
    return {
      kind: 'truncated',
      file: last.at.file,
      line: last.at.line + 1,
      chain,
      message: 'the last line is torn',
    };

  // Against the newest signed checkpoint of the chain: nothing may be missing at the tail.
  if (cp) {
    out.checkpointSeq = cp.seq;
    if (cp.seq > prevSeq)
      return {
        kind: 'truncated',
        file: last.at.file,
        line: last.at.line,
        seq: prevSeq,
        expectedSeq: cp.seq,
        chain,
        message: `the log ends at seq ${prevSeq} but a checkpoint signed seq ${cp.seq}`,
      };
    const at = bySeq.get(cp.seq);
    if (at && at.rec.hmac !== cp.hmac)
      return {
        kind: 'changed',
        file: at.at.file,
        line: at.at.line,
        seq: cp.seq,
        chain,
        message: 'the record at the checkpoint differs from the signed one',
      };
  }
  return out;
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
