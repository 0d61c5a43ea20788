/**
 * Child process of memory.test.ts: pushes a generated upload (a PNG head, then random-ish
 * chunks) through the guard and into a discarding sink, and prints the peak RSS growth as JSON.
 * Usage: node --conditions=dev-source --import ./ts-resolve.mjs stream-200mb.ts [megabytes]
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createMimeGuard } from '../../src/index.ts';
import { png } from '../fixtures.ts';

const megabytes = Number(process.argv[2] ?? 200);
const total = megabytes * 1024 * 1024;
const CHUNK = 64 * 1024;
// A complete small PNG first, then the bulk of the upload.
const head = png();

// One shared payload chunk: what is measured is the guard and the pipe, not the generator's
// allocations (a socket's fresh 64 KiB chunks cost the same with or without the guard).
const payload = Buffer.alloc(CHUNK, 0xa5);

function upload(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = sent === 0 ? head : payload.subarray(0, Math.min(CHUNK, total - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

const guard = createMimeGuard({ maxFileSize: total + 1 });
// Warm up (JIT, file-type's lazy state) on a small upload, then take the baseline.
{
  const d = await guard.inspect(Readable.from([head, Buffer.alloc(10_000)]));
  if (d.ok) for await (const _ of d.content);
}
globalThis.gc?.();
const baseline = process.memoryUsage.rss();
let peak = baseline;
let seen = 0;
const started = performance.now();
const d = await guard.inspect(upload(), { filename: 'big.png', declaredType: 'image/png' });
if (!d.ok) throw d.error;
await pipeline(
  d.content,
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      const rss = process.memoryUsage.rss();
      if (rss > peak) peak = rss;
      cb();
    },
  }),
);
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ bytes: seen, expected: total, bytesRead: d.bytesRead, rssGrowthBytes: peak - baseline, ms })}\n`,
);
