/** Issue 18: the chain's write path (serialise and sign once, overlap sealing with the I/O). */
import { generateKeyPairSync } from 'node:crypto';
import { createManualClock } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../src/audit-log.js';
import { createBatchWriter } from '../src/batch-writer.js';
import type { AuditRecord } from '../src/record.js';
import type { AuditSink } from '../src/sink.js';
import { verifyLines } from '../src/verify.js';
import { key, keys } from './helpers.js';

/** A sink that keeps what it is handed and lets the test release each write. */
function heldSink() {
  const calls: { records: AuditRecord[]; lines: string[]; bytes: Uint8Array | undefined }[] = [];
  const releases: (() => void)[] = [];
  const sink: AuditSink = {
    write(records, lines, bytes) {
      calls.push({ records: [...records], lines: [...lines], bytes: bytes && Uint8Array.from(bytes) });
      return new Promise<void>((r) => releases.push(r));
    },
    async close() {},
  };
  const releaseAll = async () => {
    while (releases.length > 0 || calls.length === 0) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { sink, calls, releases, releaseAll };
}

describe('the audit write path', () => {
  it('hands the sink the lines already encoded: the UTF-8 bytes the chain signed, one line each', async () => {
    const { sink, calls, releaseAll } = heldSink();
    const log = createAuditLog({ app: 'files-api', sink, key, clock: createManualClock(1_700_000_000_000) });
    for (const resource of ['invoice-1.pdf', 'facture-été-№2.pdf', 'résumé 😀.txt'])
      log.fileAccess({ action: 'read', resource, outcome: 'success', userId: 'u1' });
    const closing = log.close();
    await releaseAll();
    await closing;
    expect(calls).toHaveLength(1);
    const { lines, bytes } = calls[0]!;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes!).toString('utf8')).toBe(`${lines.join('\n')}\n`);
    const text = Buffer.from(bytes!).toString('utf8').split('\n').slice(0, -1);
    const result = await verifyLines(
      text.map((t, i) => ({ text: t, file: 'mem', line: i + 1 })),
      { keys },
    );
    expect(result).toMatchObject({ ok: true, records: 3 });
  });

  it('seals the next batch while the previous one is being written', async () => {
    const sealed: number[][] = [];
    let release: (() => void) | undefined;
    const written: number[][] = [];
    const writer = createBatchWriter<number, number[]>({
      maxQueue: 100,
      batchSize: 3,
      flushIntervalMs: 100,
      overflow: 'block',
      seal: (items) => {
        sealed.push([...items]);
        return [...items];
      },
      size: (b) => b.length,
      write: (b) =>
        new Promise<void>((r) => {
          release = () => {
            written.push(b);
            r();
          };
        }),
      onWriteError: () => {},
    });
    for (let i = 1; i <= 7; i++) writer.accept(i);
    const flushing = writer.flush();
    await new Promise((r) => setImmediate(r));
    // The first batch is in the sink; the second is already sealed (in order), the rest waits.
    expect(written).toEqual([]);
    expect(sealed).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(writer.stats().pending).toBe(7);
    for (let i = 0; i < 3; i++) {
      release!();
      await new Promise((r) => setImmediate(r));
    }
    await flushing;
    expect(written).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(sealed).toEqual(written);
  });

  it('signs checkpoints over written records only, never over the batch sealed ahead', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const { sink, calls, releases } = heldSink();
    const log = createAuditLog({
      app: 'files-api',
      sink,
      key,
      batchSize: 4,
      checkpoints: { privateKey, kid: 'cp1', everyRecords: 4 },
    });
    for (let i = 0; i < 12; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
    const flushing = log.flush();
    const writtenRecords: AuditRecord[] = [];
    while (writtenRecords.length < 12) {
      await new Promise((r) => setImmediate(r));
      const next = releases.shift();
      if (next === undefined) continue;
      writtenRecords.push(...calls[writtenRecords.length / 4]!.records);
      next();
      await new Promise((r) => setImmediate(r));
      const cp = log.lastCheckpoint;
      if (cp !== undefined) {
        expect(cp.seq).toBeLessThanOrEqual(writtenRecords.length);
        expect(cp.hmac).toBe(writtenRecords[cp.seq - 1]!.hmac);
      }
    }
    await flushing;
    expect(log.lastCheckpoint?.seq).toBe(12);
    await log.close();
  });
});
