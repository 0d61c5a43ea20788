import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyFiles } from '../src/verify.js';
import { keys, secret, tempDir } from './helpers.js';

const fixtures = join(import.meta.dirname, 'fixtures');

function child(mode: 'graceful' | 'nohooks' | 'natural' | 'kill', dir: string) {
  const p = spawn(
    process.execPath,
    [
      '--conditions=dev-source',
      '--import',
      join(fixtures, 'ts-hooks.mjs'),
      join(fixtures, 'writer.ts'),
      mode,
      dir,
      secret.toString('hex'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    p.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    p.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { p, firstLine, exited, stderr: () => stderr };
}

async function readBack(dir: string) {
  const files = readdirSync(dir)
    .filter((f) => /\.jsonl(\.gz)?$/.test(f))
    .sort()
    .map((f) => join(dir, f));
  const report = await verifyFiles(files, { keys });
  return { files, report };
}

describe('audit log across process deaths', () => {
  it('loses nothing on SIGTERM when the shutdown hooks are installed', async () => {
    const dir = tempDir('audit-term-');
    const c = child('graceful', dir);
    const line = await c.firstLine;
    const pending = Number(line.split(' ')[1]);
    expect(pending).toBeGreaterThan(0); // records were still in memory when the signal came
    c.p.kill('SIGTERM');
    const { signal } = await c.exited;
    expect(signal).toBe('SIGTERM'); // the hook re-raised the signal: the process ended as it would have
    const { report } = await readBack(dir);
    expect(report).toMatchObject({ ok: true, records: 5000, lastSeq: 5000 });
  });

  it('writes everything on a natural exit (the hooks close the log on beforeExit)', async () => {
    const dir = tempDir('audit-natural-');
    const c = child('natural', dir);
    expect(Number((await c.firstLine).split(' ')[1])).toBeGreaterThan(0);
    expect((await c.exited).code).toBe(0);
    const { report } = await readBack(dir);
    expect(report).toMatchObject({ ok: true, records: 500 });
  });

  it('control: without the hooks the same SIGTERM loses the queued records', async () => {
    const dir = tempDir('audit-nohooks-');
    const c = child('nohooks', dir);
    await c.firstLine;
    c.p.kill('SIGTERM');
    await c.exited;
    const { report } = await readBack(dir);
    expect(report.records).toBeLessThan(5000);
  });

  it('loses at most the unflushed batch on SIGKILL, and what is on disk still verifies', async () => {
    const dir = tempDir('audit-kill-');
    const c = child('kill', dir);
    const [, written, pending] = (await c.firstLine).split(' ').map(Number) as [number, number, number];
    expect(written).toBe(2000);
    expect(pending).toBe(30);
    c.p.kill('SIGKILL');
    expect((await c.exited).signal).toBe('SIGKILL');
    const { files, report } = await readBack(dir);
    expect(files.every((f) => f.endsWith('.jsonl'))).toBe(true); // never sealed
    // Bound: everything acknowledged by flush() is there; the loss is the 30 queued records,
    // fewer than one batch (batchSize 50) since the flush interval had not elapsed.
    expect(report).toMatchObject({ ok: true, records: 2000, lastSeq: 2000 });
    expect(written + pending - report.records).toBeLessThanOrEqual(50);
  });
});

describe('portcullis-audit (the bin, in a child process)', () => {
  const cli = (args: string[]) =>
    spawnSync(
      process.execPath,
      [
        '--conditions=dev-source',
        '--import',
        join(fixtures, 'ts-hooks.mjs'),
        join(fixtures, '..', '..', 'src', 'cli.ts'),
        ...args,
      ],
      { encoding: 'utf8' },
    );

  it('exits 0 on an intact log, 1 once a line is edited, 2 without arguments', async () => {
    const dir = tempDir('audit-bin-');
    const c = child('kill', dir);
    await c.firstLine;
    c.p.kill('SIGKILL');
    await c.exited;
    const { files } = await readBack(dir);
    const keysFile = join(dir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify({ k1: secret.toString('base64') }));
    const ok = cli(['verify', '--keys', keysFile, ...files]);
    expect(ok.stdout).toMatch(/^ok: 2000 records/);
    expect(ok.status).toBe(0);
    const text = readFileSync(files[0]!, 'utf8').replace('"resource":"f7"', '"resource":"f8"');
    writeFileSync(files[0]!, text);
    const bad = cli(['verify', '--keys', keysFile, ...files]);
    expect(bad.stdout).toMatch(/^TAMPERED: changed at .*:8 \(seq 8/);
    expect(bad.status).toBe(1);
    expect(cli([]).status).toBe(2);
  });
});
