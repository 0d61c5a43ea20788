import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readLogLines, type VerifyReport, verifyLines } from './verify.js';

/**
 * Exit codes of `portcullis-audit verify`:
 * - 0: every record verifies (and nothing is missing against the newest checkpoint);
 * - 1: tampering or damage found (the report names the first bad record);
 * - 2: usage error (bad arguments, no key);
 * - 3: a file, the keys or the public key could not be read.
 */
export const EXIT_CODES = { ok: 0, tampered: 1, usage: 2, io: 3 } as const;

/** Where the CLI writes; the real one uses process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

const USAGE = `usage: portcullis-audit verify [options] <files...>

Checks the HMAC chains of audit files (.jsonl or .jsonl.gz, sorted by name): records are grouped
by the chain (writer) they name, and every chain a signed checkpoint names must be present and
reach its checkpoint.

options:
  --keys <file>          JSON object {"<kid>": "<base64 key>"}; or env PORTCULLIS_AUDIT_KEYS (same JSON)
  --checkpoints <file>   signed checkpoints (a sink's .checkpoints.jsonl, or one JWS per line);
                         repeat it for the checkpoints of every writer
  --public-key <file>    Ed25519 public key (PEM) of the checkpoints
  --allow-pruned-head    accept a chain whose oldest files were deleted by retention
  --json                 print the report as JSON

exit codes: 0 ok, 1 tampered or damaged, 2 usage error, 3 unreadable input
`;

function parseKeys(json: string): Record<string, Uint8Array> {
  const obj = JSON.parse(json) as unknown;
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    throw new TypeError('keys must be a JSON object');
  const out: Record<string, Uint8Array> = {};
  for (const [kid, v] of Object.entries(obj)) {
    if (typeof v !== 'string') throw new TypeError(`key ${kid} must be a base64 string`);
    out[kid] = Buffer.from(v, 'base64');
  }
  return out;
}

function describe(r: VerifyReport): string {
  if (r.ok) {
    if (r.chains.length > 1) {
      const each = r.chains.map(
        (c) =>
          `${c.chain || '(unnamed)'} seq ${c.firstSeq ?? '-'}..${c.lastSeq ?? '-'}${c.checkpointSeq === undefined ? '' : ` (checkpoint ${c.checkpointSeq})`}`,
      );
      return `ok: ${r.records} records in ${r.files} file(s), ${r.chains.length} chains: ${each.join('; ')}`;
    }
    const cp = r.checkpointSeq === undefined ? '' : `, checkpoint seq ${r.checkpointSeq} matches`;
    return `ok: ${r.records} records in ${r.files} file(s), seq ${r.firstSeq ?? '-'}..${r.lastSeq ?? '-'}${cp}`;
  }
  const i = r.issue!;
  const where = i.file === undefined ? '' : ` at ${i.file}:${i.line}`;
  const seq =
    i.seq === undefined
      ? ''
      : ` (seq ${i.seq}${i.expectedSeq === undefined ? '' : `, expected ${i.expectedSeq}`})`;
  const chain = i.chain ? ` [chain ${i.chain}]` : '';
  return `TAMPERED: ${i.kind}${where}${seq}: ${i.message}${chain}`;
}

/**
 * Runs `portcullis-audit` with its arguments (without `node` and the script) and returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['verify', '--keys', 'keys.json', ...files], { out: console.log, err: console.error, env: process.env });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'verify') {
    io.err(USAGE);
    return EXIT_CODES.usage;
  }
  let values: {
    keys?: string;
    checkpoints?: string[];
    'public-key'?: string;
    'allow-pruned-head'?: boolean;
    json?: boolean;
  };
  let files: string[];
  try {
    const parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        keys: { type: 'string' },
        checkpoints: { type: 'string', multiple: true },
        'public-key': { type: 'string' },
        'allow-pruned-head': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    values = parsed.values;
    files = parsed.positionals;
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return EXIT_CODES.usage;
  }
  if (files.length === 0) {
    io.err(USAGE);
    return EXIT_CODES.usage;
  }
  if (values.checkpoints !== undefined && values['public-key'] === undefined) {
    io.err('--checkpoints needs --public-key\n');
    return EXIT_CODES.usage;
  }
  let keys: Record<string, Uint8Array>;
  const checkpoints: string[] = [];
  let publicKey: KeyObject | undefined;
  try {
    const keysJson =
      values.keys !== undefined ? await readFile(values.keys, 'utf8') : io.env.PORTCULLIS_AUDIT_KEYS;
    if (keysJson === undefined) {
      io.err('no keys: pass --keys <file> or set PORTCULLIS_AUDIT_KEYS\n');
      return EXIT_CODES.usage;
    }
    keys = parseKeys(keysJson);
    for (const file of values.checkpoints ?? []) {
      const text = await readFile(file, 'utf8');
      for (const l of text.split('\n')) {
        if (l.trim() === '') continue;
        checkpoints.push(l.trimStart().startsWith('{') ? (JSON.parse(l) as { jws: string }).jws : l.trim());
      }
    }
    if (values['public-key'] !== undefined)
      publicKey = createPublicKey(await readFile(values['public-key'], 'utf8'));
  } catch (err) {
    io.err(`cannot read input: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_CODES.io;
  }
  const sorted = [...files].sort();
  let lines: Awaited<ReturnType<typeof readLogLines>>;
  try {
    lines = await readLogLines(sorted);
  } catch (err) {
    io.err(`cannot read log: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_CODES.io;
  }
  const report = await verifyLines(
    lines.lines,
    { keys, checkpoints, publicKey, allowPrunedHead: values['allow-pruned-head'] === true },
    { files: sorted.length, tornTail: lines.tornTail },
  );
  io.out(values.json === true ? `${JSON.stringify(report)}\n` : `${describe(report)}\n`);
  for (const w of report.warnings) io.err(`warning: ${w}\n`);
  return report.ok ? EXIT_CODES.ok : EXIT_CODES.tampered;
}
