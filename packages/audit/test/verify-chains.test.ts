/**
 * Several writers, each with its own named chain; files verified as a set of chains; what signed
 * checkpoints make detectable (a missing chain, a cut tail, an emptied file) and what stays
 * undetectable without them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createManualClock } from '@portcullis/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../src/audit-log.js';
import type { SignedCheckpoint } from '../src/checkpoint.js';
import { createMemorySink } from '../src/sink.js';
import { duplicatedKey, type LogLine, verifyLines } from '../src/verify.js';
import { key, keys } from './helpers.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const files: Record<string, string[]> = {};
const checkpoints: SignedCheckpoint[] = [];

beforeAll(async () => {
  const clock = createManualClock();
  const writers = ['worker-1', 'worker-2', 'worker-3'].map((chain) => {
    const sink = createMemorySink();
    const log = createAuditLog({
      app: 'files-api',
      chain,
      sink,
      key,
      clock,
      checkpoints: { privateKey, everyRecords: 10 },
      batchSize: 5,
    });
    return { chain, sink, log };
  });
  // Interleaved, as workers behind one load balancer write.
  for (let i = 1; i <= 40; i++)
    for (const w of writers)
      w.log.fileAccess({ userId: `u${i}`, action: 'read', resource: `${w.chain}-f${i}`, outcome: 'success' });
  for (const w of writers) {
    await w.log.close();
    files[`${w.chain}.jsonl`] = w.sink.lines();
    checkpoints.push(...w.sink.checkpoints);
  }
});

const asLines = (set: Record<string, string[]>): LogLine[] =>
  Object.entries(set).flatMap(([file, texts]) => texts.map((text, i) => ({ text, file, line: i + 1 })));
const verify = (set: Record<string, string[]>, withCheckpoints: boolean) =>
  verifyLines(asLines(set), withCheckpoints ? { keys, checkpoints, publicKey } : { keys });

describe('verifying the files of several writers as a set of chains', () => {
  it('accepts three interleaved workers’ files together (was: "reordered")', async () => {
    const r = await verify(files, true);
    expect(r).toMatchObject({ ok: true, records: 120 });
    expect(r.chains.map((c) => [c.chain, c.firstSeq, c.lastSeq, c.checkpointSeq])).toEqual([
      ['worker-1', 1, 40, 40],
      ['worker-2', 1, 40, 40],
      ['worker-3', 1, 40, 40],
    ]);
    expect(checkpoints.every((c) => c.chain.startsWith('worker-'))).toBe(true);
  });

  it('a deleted worker file: missing-chain with checkpoints; undetectable without', async () => {
    const { 'worker-2.jsonl': _gone, ...rest } = files;
    expect((await verify(rest, true)).issue).toMatchObject({ kind: 'missing-chain', chain: 'worker-2' });
    expect(await verify(rest, false)).toMatchObject({ ok: true, records: 80 });
  });

  it('an emptied file: missing-chain with checkpoints; undetectable without', async () => {
    const emptied = { ...files, 'worker-3.jsonl': [] };
    expect((await verify(emptied, true)).issue).toMatchObject({ kind: 'missing-chain', chain: 'worker-3' });
    expect((await verify(emptied, false)).ok).toBe(true);
  });

  it('the last 25 lines cut: truncated with checkpoints; undetectable without', async () => {
    const cut = { ...files, 'worker-1.jsonl': files['worker-1.jsonl']!.slice(0, -25) };
    expect((await verify(cut, true)).issue).toMatchObject({
      kind: 'truncated',
      chain: 'worker-1',
      seq: 15,
      expectedSeq: 40,
    });
    expect((await verify(cut, false)).ok).toBe(true);
  });

  it('a record moved into another worker’s file still belongs to its own chain (order within a chain is checked)', async () => {
    const w1 = [...files['worker-1.jsonl']!];
    const w2 = [...files['worker-2.jsonl']!];
    const moved = w1.splice(4, 1)[0]!;
    w2.push(moved);
    const r = await verify({ ...files, 'worker-1.jsonl': w1, 'worker-2.jsonl': w2 }, false);
    expect(r.issue).toMatchObject({ chain: 'worker-1' });
    expect(['reordered', 'deleted']).toContain(r.issue?.kind);
  });
});

describe('duplicated JSON keys', () => {
  it('refuses a line with a key prepended (JSON.parse would keep the last value)', async () => {
    const one = [...files['worker-1.jsonl']!];
    one[3] = `{"event":"authn_login_success",${one[3]!.slice(1)}`;
    const r = await verify({ 'worker-1.jsonl': one }, false);
    expect(r.ok).toBe(false);
    expect(r.issue).toMatchObject({ line: 4, chain: 'worker-1' });
    expect(r.issue?.message).toContain('the key "event" appears twice');
  });

  it('finds duplicates at any depth, and only real keys', () => {
    expect(duplicatedKey('{"a":1,"b":2}')).toBeUndefined();
    expect(duplicatedKey('{"a":1,"a":2}')).toBe('a');
    expect(duplicatedKey('{"attrs":{"x":1,"x":2}}')).toBe('x');
    expect(duplicatedKey('{"a":{"x":1},"b":{"x":1}}')).toBeUndefined();
    expect(duplicatedKey('{"a":["a","a"],"s":"\\"a\\":1,\\"a\\""}')).toBeUndefined();
    expect(duplicatedKey('{"\\u0061":1,"a":2}')).toBe('a');
  });
});
