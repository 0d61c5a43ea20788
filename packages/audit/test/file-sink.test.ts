import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createManualClock } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../src/audit-log.js';
import { createFileSink } from '../src/file-sink.js';
import { verifyFiles } from '../src/verify.js';
import { key, keys, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);

function readLines(path: string): string[] {
  let buf = readFileSync(path);
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  return buf.toString('utf8').split('\n').filter(Boolean);
}

describe('createFileSink', () => {
  it('rotates under load and loses nothing: records written = records read back across all files', async () => {
    const dir = tempDir();
    const sink = createFileSink({ dir, maxBytes: 64 * 1024, host: 'web-1', pid: 4242 });
    const log = createAuditLog({ app: 'load', sink, key, batchSize: 100, maxQueue: 1000 });
    const N = 12_000;
    // Four concurrent "request handlers", the block policy giving them backpressure.
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < N / 4; i++)
          await log.fileAccess({
            userId: `u${w}`,
            action: 'read',
            resource: `f-${w}-${i}`,
            outcome: 'success',
          });
      }),
    );
    await log.close();
    const files = sink.files();
    expect(files.length).toBeGreaterThan(10);
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl.gz'))).toHaveLength(files.length);
    let total = 0;
    const seqs: number[] = [];
    for (const f of files) {
      const lines = readLines(f);
      total += lines.length;
      for (const l of lines) seqs.push((JSON.parse(l) as { seq: number }).seq);
      // Rotation happens at batch boundaries, before a batch would cross the limit.
      expect(gunzipSync(readFileSync(f)).length).toBeLessThanOrEqual(64 * 1024);
    }
    expect(total).toBe(N);
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(log.stats()).toMatchObject({ accepted: N, written: N, dropped: 0 });
    const report = await verifyFiles(files, { keys });
    expect(report).toMatchObject({ ok: true, records: N, files: files.length, lastSeq: N });
  });

  it('continues the chain across files: the first record of a file links to the last of the previous one', async () => {
    const dir = tempDir();
    const sink = createFileSink({ dir, maxBytes: 2000, gzip: false });
    const log = createAuditLog({ app: 'a', sink, key, batchSize: 5 });
    for (let i = 0; i < 40; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
    await log.close();
    const files = sink.files();
    expect(files.length).toBeGreaterThan(2);
    for (let i = 1; i < files.length; i++) {
      const lastOfPrev = JSON.parse(readLines(files[i - 1]!).at(-1)!) as { hmac: string };
      const firstOfNext = JSON.parse(readLines(files[i]!)[0]!) as { prev: string };
      expect(firstOfNext.prev).toBe(lastOfPrev.hmac);
    }
  });

  it('rotates by time with the injected clock', async () => {
    const clock = createManualClock(T0);
    const sink = createFileSink({ dir: tempDir(), maxAgeMs: 60_000, clock, gzip: false });
    const log = createAuditLog({ app: 'a', sink, key, clock });
    log.fileAccess({ action: 'read', resource: 'a', outcome: 'success' });
    await log.flush();
    clock.advance(59_999);
    log.fileAccess({ action: 'read', resource: 'b', outcome: 'success' });
    await log.flush();
    expect(sink.files()).toHaveLength(1);
    clock.advance(1);
    log.fileAccess({ action: 'read', resource: 'c', outcome: 'success' });
    await log.flush();
    expect(sink.files()).toHaveLength(2);
    expect(readLines(sink.files()[1]!).map((l) => (JSON.parse(l) as { resource: string }).resource)).toEqual([
      'c',
    ]);
    await log.close();
  });

  it('names files per process (host + pid + start time) so that two workers never interleave', async () => {
    const dir = tempDir();
    const a = createFileSink({ dir, host: 'web 1/evil', pid: 101 });
    const b = createFileSink({ dir, host: 'web-1', pid: 102 });
    const la = createAuditLog({ app: 'a', sink: a, key });
    const lb = createAuditLog({ app: 'a', sink: b, key });
    for (let i = 0; i < 50; i++) {
      la.fileAccess({ action: 'read', resource: `a${i}`, outcome: 'success' });
      lb.fileAccess({ action: 'read', resource: `b${i}`, outcome: 'success' });
      if (i % 10 === 0) await Promise.all([la.flush(), lb.flush()]);
    }
    await Promise.all([la.close(), lb.close()]);
    expect(basename(a.files()[0]!)).toMatch(/^audit-web_1_evil-101-\d{8}T\d{6}Z-000001\.jsonl\.gz$/);
    expect(basename(b.files()[0]!)).toMatch(/^audit-web-1-102-\d{8}T\d{6}Z-000001\.jsonl\.gz$/);
    expect(readLines(a.files()[0]!).every((l) => l.includes('"resource":"a'))).toBe(true);
    expect(await verifyFiles(a.files(), { keys })).toMatchObject({ ok: true, records: 50 });
    expect(await verifyFiles(b.files(), { keys })).toMatchObject({ ok: true, records: 50 });
  });

  it('keeps the current file plain and gzips it when sealed', async () => {
    const sink = createFileSink({ dir: tempDir() });
    const log = createAuditLog({ app: 'a', sink, key });
    log.fileAccess({ action: 'read', resource: 'a', outcome: 'success' });
    await log.flush();
    expect(sink.currentFile).toMatch(/\.jsonl$/);
    expect(existsSync(sink.currentFile!)).toBe(true);
    await log.close();
    expect(sink.currentFile).toBeUndefined();
    expect(sink.files()[0]).toMatch(/\.jsonl\.gz$/);
    expect(readLines(sink.files()[0]!)).toHaveLength(1);
  });

  it('retains at most retainFiles sealed files', async () => {
    const dir = tempDir();
    const sink = createFileSink({ dir, maxBytes: 1500, retainFiles: 3 });
    const log = createAuditLog({ app: 'a', sink, key, batchSize: 4 });
    for (let i = 0; i < 60; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
    await log.close();
    expect(sink.files().length).toBeGreaterThan(5);
    const left = readdirSync(dir)
      .filter((f) => f.endsWith('.gz'))
      .sort();
    expect(left).toHaveLength(3);
    expect(left).toEqual(
      sink
        .files()
        .slice(-3)
        .map((f) => basename(f)),
    );
    // What is left still verifies, once the verifier is told the head was pruned on purpose.
    const paths = left.map((f) => join(dir, f));
    expect(await verifyFiles(paths, { keys })).toMatchObject({ ok: false, issue: { kind: 'deleted' } });
    expect(await verifyFiles(paths, { keys, allowPrunedHead: true })).toMatchObject({
      ok: true,
      lastSeq: 60,
    });
  });

  it('deletes sealed files older than retainMs, and never a plain file another process may be writing', async () => {
    const dir = tempDir();
    const clock = createManualClock(T0);
    const oldSealed = join(dir, 'audit-other-7-20250101T000000Z-000001.jsonl.gz');
    const oldLive = join(dir, 'audit-other-7-20250101T000000Z-000002.jsonl');
    const unrelated = join(dir, 'notes.txt');
    for (const f of [oldSealed, oldLive, unrelated]) {
      writeFileSync(f, 'x');
      utimesSync(f, new Date(T0 - 10 * 86_400_000), new Date(T0 - 10 * 86_400_000));
    }
    const sink = createFileSink({ dir, clock, retainMs: 7 * 86_400_000 });
    const log = createAuditLog({ app: 'a', sink, key, clock });
    log.fileAccess({ action: 'read', resource: 'a', outcome: 'success' });
    await log.close();
    expect(existsSync(oldSealed)).toBe(false);
    expect(existsSync(oldLive)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
    expect(existsSync(sink.files()[0]!)).toBe(true);
  });

  it('fsyncs every batch when asked', async () => {
    let syncs = 0;
    const { nodeAuditFs } = await import('../src/file-sink.js');
    const fs = {
      ...nodeAuditFs,
      async open(path: string, flags: string) {
        const h = await nodeAuditFs.open(path, flags);
        return {
          ...h,
          sync: async () => {
            syncs++;
            await h.sync();
          },
        };
      },
    };
    const sink = createFileSink({ dir: tempDir(), fsync: true, fs });
    const log = createAuditLog({ app: 'a', sink, key, batchSize: 10 });
    for (let i = 0; i < 30; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
    await log.close();
    expect(syncs).toBe(3);
  });

  it('appends signed checkpoints to a side file', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ed25519');
    const sink = createFileSink({ dir: tempDir() });
    const log = createAuditLog({
      app: 'a',
      sink,
      key,
      checkpoints: { privateKey, everyRecords: 5 },
      batchSize: 5,
    });
    for (let i = 0; i < 12; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
    await log.close();
    const cps = readFileSync(sink.checkpointFile, 'utf8').split('\n').filter(Boolean);
    expect(cps.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([5, 10, 12]);
    expect(statSync(sink.checkpointFile).size).toBeGreaterThan(0);
  });
});
