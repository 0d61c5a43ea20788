/**
 * The MIME guard against what users write by hand: read the whole upload into memory, then call
 * file-type's `fileTypeFromBuffer`. Both sides deliver every byte of the upload to the same sink
 * (storage stand-in), from the same pre-built chunks, so the only difference is how the type is
 * found: the guard peeks the head and replays, the baseline buffers everything first.
 *
 * Cases (ids as issue 6 names them):
 * - `check-stream/portcullis` vs `check-stream/file-type-whole-buffer`: a 1 MiB upload as a Node
 *   stream of 64 KiB chunks. Goal: ratio >= 1.
 * - `check-buffer/portcullis` vs `check-buffer/file-type`: bytes already in memory (the guard
 *   adds name, declared-type and content checks on top of file-type).
 * - `check-stream-200mb/portcullis` (+ `rssGrowthBytes`, goal < 16 MB) and
 *   `check-stream-200mb/file-type-whole-buffer`, each measured in a fresh child process.
 */
import { spawnSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { createMimeGuard } from '@portcullis/mime-guard';
import { fileTypeFromBuffer } from 'file-type';
import { type CaseResult, report, runCases } from './lib.ts';

const CHUNK = 64 * 1024;
// A real PNG (the mime-guard corpus's 2x2 image), then the bulk of the file.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73000000164944415478da63f8cfc0f01f0418fe' +
    'fffffff0ff0f00513b0ef6a55b560c0000000049454e44ae426082',
  'hex',
);

function makeChunks(total: number): Buffer[] {
  const file = Buffer.alloc(total, 0x5a);
  PNG.copy(file);
  const out: Buffer[] = [];
  for (let i = 0; i < total; i += CHUNK) out.push(file.subarray(i, i + CHUNK));
  return out;
}

let sunk = 0;
const sink = (chunk: Uint8Array) => {
  sunk += chunk.length;
};

async function child(mode: string): Promise<void> {
  const total = 200 * 1024 * 1024;
  // One shared payload chunk: the generator allocates nothing per chunk, so what grows is the
  // consumer's memory (a socket's fresh chunks cost the same on both sides).
  const payload = Buffer.alloc(CHUNK, 0x5a);
  const upload = () => {
    let sent = 0;
    return new Readable({
      read() {
        if (sent >= total) return void this.push(null);
        const chunk = sent === 0 ? PNG : payload.subarray(0, Math.min(CHUNK, total - sent));
        sent += chunk.length;
        this.push(chunk);
      },
    });
  };
  const guard = createMimeGuard({ maxFileSize: total + 1 });
  globalThis.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  };
  const t0 = performance.now();
  let bytesRead = 0;
  let type: string | undefined;
  if (mode === 'portcullis') {
    const d = await guard.inspect(upload(), { filename: 'big.png', declaredType: 'image/png' });
    if (!d.ok) throw d.error;
    type = d.type.id;
    bytesRead = d.bytesRead;
    await pipeline(
      d.content,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          sink(chunk);
          sample();
          cb();
        },
      }),
    );
  } else {
    const whole = await readAll(upload());
    sample();
    type = (await fileTypeFromBuffer(whole))?.ext;
    bytesRead = whole.length;
    sink(whole);
    sample();
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ type, bytesRead, rssGrowthBytes: peak - baseline, seconds, sunk }));
}

async function main(): Promise<void> {
  const guard = createMimeGuard();
  const chunks = makeChunks(1024 * 1024);
  const whole = Buffer.concat(chunks);
  const meta = { filename: 'photo.png', declaredType: 'image/png' };
  let ourBytesRead = 0;
  let ourBufferBytesRead = 0;

  const results = await runCases(
    [
      {
        id: 'check-stream/portcullis',
        baseline: 'check-stream/file-type-whole-buffer',
        fn: async () => {
          const d = await guard.inspect(Readable.from(chunks, { objectMode: false }), meta);
          if (!d.ok) throw d.error;
          ourBytesRead = d.bytesRead;
          for await (const c of d.content) sink(c as Buffer);
        },
      },
      {
        id: 'check-stream/file-type-whole-buffer',
        fn: async () => {
          const buf = await readAll(Readable.from(chunks, { objectMode: false }));
          const t = await fileTypeFromBuffer(buf);
          if (t?.ext !== 'png') throw new Error('not detected');
          sink(buf);
        },
      },
      {
        id: 'check-buffer/portcullis',
        baseline: 'check-buffer/file-type',
        fn: async () => {
          const d = await guard.inspect(whole, meta);
          if (!d.ok) throw d.error;
          ourBufferBytesRead = d.bytesRead;
        },
      },
      {
        id: 'check-buffer/file-type',
        fn: async () => {
          const t = await fileTypeFromBuffer(whole);
          if (t?.ext !== 'png') throw new Error('not detected');
        },
      },
    ],
    { durationMs: 1000, rounds: 3 },
  );
  for (const r of results) {
    if (r.id === 'check-stream/portcullis') r.bytesReadPerCheck = ourBytesRead;
    if (r.id === 'check-stream/file-type-whole-buffer') r.bytesReadPerCheck = whole.length;
    if (r.id === 'check-buffer/portcullis') r.bytesReadPerCheck = ourBufferBytesRead;
    if (r.id === 'check-buffer/file-type') r.bytesReadPerCheck = whole.length;
    r.fileBytes = whole.length;
  }

  const big: CaseResult[] = [];
  for (const [mode, id] of [
    ['portcullis', 'check-stream-200mb/portcullis'],
    ['whole', 'check-stream-200mb/file-type-whole-buffer'],
  ] as const) {
    const runs: { type: string; bytesRead: number; rssGrowthBytes: number; seconds: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(process.execPath, ['--expose-gc', import.meta.filename, '--child', mode], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
      runs.push(JSON.parse(r.stdout));
    }
    runs.sort((a, b) => a.seconds - b.seconds);
    const median = runs[1]!;
    const result: CaseResult = {
      id,
      opsPerSec: Math.round((1 / median.seconds) * 100) / 100,
      p50Ns: Math.round(median.seconds * 1e9),
      p99Ns: Math.round(runs[2]!.seconds * 1e9),
      rssGrowthBytes: Math.max(...runs.map((x) => x.rssGrowthBytes)),
      bytesReadPerCheck: median.bytesRead,
      fileBytes: 200 * 1024 * 1024,
    };
    if (mode === 'portcullis') result.baseline = 'check-stream-200mb/file-type-whole-buffer';
    big.push(result);
  }
  const ratio =
    big[1]!.opsPerSec > 0 ? Math.round((big[0]!.opsPerSec / big[1]!.opsPerSec) * 1000) / 1000 : undefined;
  if (ratio !== undefined) big[0]!.ratio = ratio;
  report('mime-guard', [...results, ...big]);
  console.log(
    `200 MB: peak RSS growth ${(big[0]!.rssGrowthBytes as number) / 1048576} MiB (guard) vs ${
      (big[1]!.rssGrowthBytes as number) / 1048576
    } MiB (whole buffer); bytes read per 1 MiB check: ${ourBytesRead} vs ${whole.length}`,
  );
}

if (process.argv[2] === '--child') await child(process.argv[3] ?? 'portcullis');
else await main();
