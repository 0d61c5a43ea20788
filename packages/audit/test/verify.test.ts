import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createManualClock } from '@portcullis/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../src/audit-log.js';
import type { SignedCheckpoint } from '../src/checkpoint.js';
import { createFileSink } from '../src/file-sink.js';
import { createMemorySink } from '../src/sink.js';
import { type LogLine, verifyFiles, verifyLines } from '../src/verify.js';
import { type CliIo, EXIT_CODES, runCli } from '../src/verify-cli.js';
import { key, keys, secret, tempDir } from './helpers.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
let pristine: string[] = [];
let checkpoints: SignedCheckpoint[] = [];

beforeAll(async () => {
  const sink = createMemorySink();
  const log = createAuditLog({
    app: 'a',
    sink,
    key,
    clock: createManualClock(),
    checkpoints: { privateKey, everyRecords: 10 },
    batchSize: 10,
  });
  for (let i = 1; i <= 30; i++)
    log.fileAccess({ userId: 'u1', action: 'read', resource: `f${i}`, outcome: 'success' });
  await log.close();
  pristine = sink.lines();
  checkpoints = [...sink.checkpoints];
});

const asLines = (texts: string[], file = 'audit.jsonl'): LogLine[] =>
  texts.map((text, i) => ({ text, file, line: i + 1 }));
const edit = (i: number, f: (r: Record<string, unknown>) => void): string[] => {
  const copy = [...pristine];
  const r = JSON.parse(copy[i]!) as Record<string, unknown>;
  f(r);
  copy[i] = JSON.stringify(r);
  return copy;
};
const check = (texts: string[], extra: { tornTail?: boolean } = {}) =>
  verifyLines(asLines(texts), { keys }, extra);

describe('verifyLines', () => {
  it('accepts an untouched log', async () => {
    expect(await check(pristine)).toMatchObject({ ok: true, records: 30, firstSeq: 1, lastSeq: 30 });
  });

  it('signs exactly the written line: re-serialising the parsed values gives the same text', () => {
    for (const text of pristine) {
      const r = JSON.parse(text) as Record<string, unknown>;
      const { hmac, ...rest } = r;
      expect(text).toBe(`${JSON.stringify(rest).slice(0, -1)},"hmac":"${String(hmac)}"}`);
    }
  });

  it('still verifies when a file is re-indented or its keys reordered (same content)', async () => {
    const reordered = pristine.map((t) => {
      const r = JSON.parse(t) as Record<string, unknown>;
      return JSON.stringify(Object.fromEntries(Object.entries(r).reverse()));
    });
    expect((await check(reordered)).ok).toBe(true);
  });

  it('detects any change of any field of any record (property)', async () => {
    const fields = [
      'v',
      'seq',
      'time',
      'app',
      'event',
      'level',
      'user',
      'action',
      'resource',
      'outcome',
      'kid',
      'prev',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 29 }),
        fc.constantFrom(...fields),
        fc.oneof(fc.string(), fc.integer(), fc.boolean()),
        async (i, field, value) => {
          const before = (JSON.parse(pristine[i]!) as Record<string, unknown>)[field];
          fc.pre(before !== value);
          const r = await check(edit(i, (x) => (x[field] = value)));
          expect(r.ok).toBe(false);
          expect(r.issue?.line).toBe(i + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports a changed field as changed, at that record', async () => {
    const r = await check(edit(9, (x) => (x.user = 'u2')));
    expect(r).toMatchObject({ ok: false, issue: { kind: 'changed', line: 10, seq: 10 } });
  });

  it('reports a changed event name or outcome as changed', async () => {
    expect((await check(edit(4, (x) => (x.outcome = 'denied')))).issue?.kind).toBe('changed');
    expect((await check(edit(4, (x) => (x.event = 'sensitive_delete')))).issue?.kind).toBe('changed');
  });

  it('reports an added field (even null) as changed', async () => {
    expect((await check(edit(3, (x) => (x.admin = true)))).issue).toMatchObject({ kind: 'changed', seq: 4 });
    expect((await check(edit(3, (x) => (x.reason = null)))).issue).toMatchObject({ kind: 'changed', seq: 4 });
  });

  it('reports a forged record as inserted', async () => {
    const forged = edit(9, (x) => (x.resource = 'forged'))[9]!;
    const texts = [...pristine];
    texts.splice(10, 0, forged);
    expect((await check(texts)).issue).toMatchObject({ kind: 'inserted', line: 11, expectedSeq: 11 });
  });

  it('reports a replayed copy of an earlier record as inserted', async () => {
    const texts = [...pristine];
    texts.splice(12, 0, pristine[4]!);
    expect((await check(texts)).issue).toMatchObject({ kind: 'inserted', line: 13, seq: 5 });
  });

  it('reports a deleted record as deleted, naming the first missing seq', async () => {
    const texts = pristine.filter((_, i) => i !== 9);
    expect((await check(texts)).issue).toMatchObject({ kind: 'deleted', seq: 11, expectedSeq: 10, line: 10 });
  });

  it('reports a deleted head as deleted', async () => {
    expect((await check(pristine.slice(2))).issue).toMatchObject({ kind: 'deleted', seq: 3, expectedSeq: 1 });
  });

  it('reports swapped records as reordered', async () => {
    const texts = [...pristine];
    [texts[9], texts[10]] = [texts[10]!, texts[9]!];
    expect((await check(texts)).issue).toMatchObject({ kind: 'reordered', line: 10 });
  });

  it('reports a record moved backwards as reordered', async () => {
    const texts = [...pristine];
    const [moved] = texts.splice(20, 1);
    texts.splice(5, 0, moved!);
    expect((await check(texts)).issue?.kind).toBe('reordered');
  });

  it('reports a truncated tail against the last signed checkpoint', async () => {
    const texts = pristine.slice(0, 27);
    // Without a checkpoint a cut tail is a valid shorter chain: that is what checkpoints are for.
    expect((await check(texts)).ok).toBe(true);
    const r = await verifyLines(asLines(texts), { keys, checkpoints, publicKey });
    expect(r).toMatchObject({ ok: false, issue: { kind: 'truncated', seq: 27, expectedSeq: 30 } });
  });

  it('matches the record at the checkpoint', async () => {
    const r = await verifyLines(asLines(pristine), { keys, checkpoints, publicKey });
    expect(r).toMatchObject({ ok: true, checkpointSeq: 30 });
  });

  it('reports a checkpoint with a bad signature', async () => {
    const bad = checkpoints.map((c) => ({ jws: `${c.jws.slice(0, -4)}AAAA` }));
    const r = await verifyLines(asLines(pristine), { keys, checkpoints: bad, publicKey });
    expect(r.issue?.kind).toBe('bad-checkpoint');
    const other = generateKeyPairSync('ed25519').publicKey;
    expect((await verifyLines(asLines(pristine), { keys, checkpoints, publicKey: other })).issue?.kind).toBe(
      'bad-checkpoint',
    );
  });

  it('reports a torn last line as truncated and a garbage line as malformed', async () => {
    const torn = [...pristine.slice(0, 29), pristine[29]!.slice(0, 40)];
    expect((await check(torn, { tornTail: true })).issue).toMatchObject({ kind: 'truncated', line: 30 });
    const garbage = [...pristine];
    garbage.splice(3, 0, 'hello');
    expect((await check(garbage)).issue).toMatchObject({ kind: 'malformed', line: 4 });
  });

  it('reports a record under an unknown key id', async () => {
    expect((await verifyLines(asLines(pristine), { keys: { other: secret } })).issue?.kind).toBe(
      'unknown-key',
    );
  });

  it('detects a record re-signed with a different key', async () => {
    const wrong = { k1: Buffer.alloc(32, 7) };
    expect((await verifyLines(asLines(pristine), { keys: wrong })).issue).toMatchObject({
      kind: 'changed',
      seq: 1,
    });
  });
});

describe('verifyFiles on a rotated set', () => {
  async function rotated() {
    const dir = tempDir();
    const sink = createFileSink({ dir, maxBytes: 2500 });
    const log = createAuditLog({ app: 'a', sink, key, batchSize: 5 });
    for (let i = 0; i < 50; i++) log.fileAccess({ action: 'write', resource: `f${i}`, outcome: 'success' });
    await log.close();
    return sink.files();
  }

  it('verifies gzipped files in order', async () => {
    const files = await rotated();
    expect(files.every((f) => f.endsWith('.gz'))).toBe(true);
    expect(await verifyFiles(files, { keys })).toMatchObject({ ok: true, records: 50, files: files.length });
  });

  it('reports a deleted middle file as deleted and swapped files as reordered', async () => {
    const files = await rotated();
    expect(files.length).toBeGreaterThan(3);
    const gap = await verifyFiles([files[0]!, ...files.slice(2)], { keys });
    expect(gap.issue).toMatchObject({ kind: 'deleted', file: files[2] });
    const swapped = await verifyFiles([files[0]!, files[2]!, files[1]!, ...files.slice(3)], { keys });
    expect(swapped.issue?.kind).toBe('reordered');
  });
});

describe('portcullis-audit verify (runCli)', () => {
  function io(env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const value: CliIo = { out: (t) => void out.push(t), err: (t) => void err.push(t), env };
    return { value, out, err };
  }
  function fixture(texts: string[], gz = false) {
    const dir = tempDir('audit-cli-');
    const file = join(dir, gz ? 'audit-000001.jsonl.gz' : 'audit-000001.jsonl');
    const body = `${texts.join('\n')}\n`;
    writeFileSync(file, gz ? gzipSync(body) : body);
    const keysFile = join(dir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify({ k1: secret.toString('base64') }));
    const cpFile = join(dir, 'cp.jsonl');
    writeFileSync(cpFile, `${checkpoints.map((c) => JSON.stringify(c)).join('\n')}\n`);
    const pem = join(dir, 'cp.pub.pem');
    writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }));
    return { dir, file, keysFile, cpFile, pem };
  }

  it('exits 0 on an intact gzipped file', async () => {
    const f = fixture(pristine, true);
    const o = io();
    expect(await runCli(['verify', '--keys', f.keysFile, f.file], o.value)).toBe(EXIT_CODES.ok);
    expect(o.out.join('')).toMatch(/^ok: 30 records in 1 file/);
  });

  it('exits 1 and names the first bad record when tampered, taking keys from the environment', async () => {
    const f = fixture(edit(6, (x) => (x.user = 'mallory')));
    const o = io({ PORTCULLIS_AUDIT_KEYS: JSON.stringify({ k1: secret.toString('base64') }) });
    expect(await runCli(['verify', f.file], o.value)).toBe(EXIT_CODES.tampered);
    expect(o.out.join('')).toContain(`TAMPERED: changed at ${f.file}:7 (seq 7`);
  });

  it('exits 1 on a truncated tail when given the checkpoints', async () => {
    const f = fixture(pristine.slice(0, 25));
    const o = io();
    const code = await runCli(
      ['verify', '--keys', f.keysFile, '--checkpoints', f.cpFile, '--public-key', f.pem, '--json', f.file],
      o.value,
    );
    expect(code).toBe(EXIT_CODES.tampered);
    expect(JSON.parse(o.out.join(''))).toMatchObject({
      ok: false,
      issue: { kind: 'truncated', expectedSeq: 30 },
    });
  });

  it('exits 2 on usage errors and 3 on unreadable input', async () => {
    const f = fixture(pristine);
    expect(await runCli([], io().value)).toBe(EXIT_CODES.usage);
    expect(await runCli(['verify'], io().value)).toBe(EXIT_CODES.usage);
    expect(await runCli(['verify', f.file], io().value)).toBe(EXIT_CODES.usage); // no keys
    expect(await runCli(['verify', '--bogus', f.file], io().value)).toBe(EXIT_CODES.usage);
    expect(
      await runCli(['verify', '--keys', f.keysFile, '--checkpoints', f.cpFile, f.file], io().value),
    ).toBe(EXIT_CODES.usage);
    expect(await runCli(['verify', '--keys', join(f.dir, 'missing.json'), f.file], io().value)).toBe(
      EXIT_CODES.io,
    );
    expect(await runCli(['verify', '--keys', f.keysFile, join(f.dir, 'missing.jsonl')], io().value)).toBe(
      EXIT_CODES.io,
    );
  });

  it('verifies two writers’ file sinks as two chains, and names a deleted writer file (repeated --checkpoints)', async () => {
    const dir = tempDir('audit-cli-chains-');
    const sinks = [101, 102].map((pid) => createFileSink({ dir, host: 'web', pid }));
    const logs = sinks.map((sink, i) =>
      createAuditLog({ app: 'a', chain: `worker-${i + 1}`, sink, key, checkpoints: { privateKey } }),
    );
    for (let i = 0; i < 20; i++)
      for (const log of logs) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
    for (const log of logs) await log.close();
    const keysFile = join(dir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify({ k1: secret.toString('base64') }));
    const pem = join(dir, 'cp.pub.pem');
    writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }));
    const logFiles = sinks.flatMap((s) => s.files());
    const cpArgs = sinks.flatMap((s) => ['--checkpoints', s.checkpointFile]);
    const ok = io();
    expect(
      await runCli(['verify', '--keys', keysFile, ...cpArgs, '--public-key', pem, ...logFiles], ok.value),
    ).toBe(EXIT_CODES.ok);
    expect(ok.out.join('')).toMatch(
      /^ok: 40 records in 2 file\(s\), 2 chains: worker-1 seq 1\.\.20 \(checkpoint 20\); worker-2/,
    );
    const gone = io();
    const code = await runCli(
      ['verify', '--keys', keysFile, ...cpArgs, '--public-key', pem, '--json', logFiles[0]!],
      gone.value,
    );
    expect(code).toBe(EXIT_CODES.tampered);
    expect(JSON.parse(gone.out.join(''))).toMatchObject({
      issue: { kind: 'missing-chain', chain: 'worker-2' },
    });
  });
});
