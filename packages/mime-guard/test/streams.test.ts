import { PassThrough, Readable } from 'node:stream';
import { buffer as consumeNode } from 'node:stream/consumers';
import { createEventBus, type SecurityEvent } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createMimeGuard, isMimeGuardError } from '../src/index.js';
import * as f from './fixtures.js';

/** A PNG followed by `extra` pseudo-random bytes, so a replay that drops or reorders a byte is caught. */
function bigPng(extra: number): Buffer {
  const tail = Buffer.alloc(extra);
  for (let i = 0; i < extra; i++) tail[i] = (i * 2654435761) >>> 24;
  return Buffer.concat([f.png(), tail]);
}

function chunked(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function webStream(chunks: Buffer[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks[i++];
      if (next) c.enqueue(new Uint8Array(next));
      else c.close();
    },
  });
}

async function consumeWeb(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

describe('createMimeGuard: streams are peeked and replayed', () => {
  it('replays the exact bytes of a Node stream fed in 1-byte to 64 KiB chunks', async () => {
    const bytes = bigPng(300_000);
    for (const size of [1, 7, 4100, 65_536]) {
      const d = await createMimeGuard().inspect(Readable.from(chunked(bytes, size)), { filename: 'a.png' });
      expect(d.ok).toBe(true);
      if (!d.ok) return;
      expect(d.type.id).toBe('png');
      expect(d.size).toBeUndefined();
      expect(d.bytesRead).toBeLessThan(4100 + size + 1);
      expect((await consumeNode(d.content)).equals(bytes)).toBe(true);
    }
  });

  it('replays the exact bytes of a web stream', async () => {
    const bytes = bigPng(100_000);
    const d = await createMimeGuard().inspect(webStream(chunked(bytes, 1000)), { filename: 'a.png' });
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.content).toBeInstanceOf(ReadableStream);
    expect((await consumeWeb(d.content)).equals(bytes)).toBe(true);
  });

  it('hands a Blob back untouched and reads only its head', async () => {
    const blob = new Blob([new Uint8Array(bigPng(50_000))], { type: 'image/png' });
    const d = await createMimeGuard().inspect(blob, { filename: 'a.png', declaredType: blob.type });
    expect(d.ok && d.content).toBe(blob);
    expect(d.bytesRead).toBe(4100);
    expect(d.ok && d.size).toBe(blob.size);
  });

  it('fails the replay with a 413 once a stream passes its type limit, and drains the source', async () => {
    const events = createEventBus();
    const seen: SecurityEvent[] = [];
    events.subscribe((e) => {
      seen.push(e);
    });
    const source = Readable.from(chunked(bigPng(200_000), 8192));
    const d = await createMimeGuard({ maxFileSizeByType: { png: 100_000 }, events }).inspect(source);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    const error = await consumeNode(d.content).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMimeGuardError(error) && [error.code, error.status]).toEqual(['ERR_MIME_TOO_LARGE', 413]);
    if (!source.readableEnded) await new Promise<void>((resolve) => source.once('end', resolve));
    expect(source.readableEnded).toBe(true);
    expect(seen.map((e) => [e.name, e.reason])).toEqual([['upload_rejected', 'ERR_MIME_TOO_LARGE']]);
  });

  it('fails the web replay with a 413 past the limit', async () => {
    const d = await createMimeGuard({ maxFileSize: 50_000 }).inspect(
      webStream(chunked(bigPng(80_000), 4096)),
    );
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    await expect(consumeWeb(d.content)).rejects.toMatchObject({ code: 'ERR_MIME_TOO_LARGE' });
  });

  it('refuses a truncated upload (busboy sets `truncated` on the file stream) at the end of the replay', async () => {
    const source = Object.assign(Readable.from(chunked(bigPng(20_000), 4096)), { truncated: false });
    const d = await createMimeGuard().inspect(source, { filename: 'a.png' });
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    source.truncated = true;
    await expect(consumeNode(d.content)).rejects.toMatchObject({ code: 'ERR_MIME_TRUNCATED', status: 413 });
  });

  it('refuses a small truncated upload before accepting it, via isTruncated', async () => {
    const d = await createMimeGuard().inspect(Readable.from([f.png()]), { isTruncated: () => true });
    expect(d.ok ? 'accepted' : d.error.code).toBe('ERR_MIME_TRUNCATED');
  });

  it('drains a refused stream so its producer completes', async () => {
    const source = new PassThrough();
    const pending = createMimeGuard().inspect(source, { filename: 'x.png' });
    source.write(f.elf());
    source.write(Buffer.alloc(10_000));
    const d = await pending;
    expect(d.ok ? 'accepted' : d.error.code).toBe('ERR_MIME_EXECUTABLE');
    // Far more than the stream's buffer: only a drained stream takes it all without stalling.
    for (let i = 0; i < 200; i++) source.write(Buffer.alloc(65_536));
    source.end();
    await new Promise<void>((resolve) => source.once('end', resolve));
    expect(source.readableEnded).toBe(true);
  });

  it('turns a source that fails mid-head into an ERR_INPUT_INVALID, not a crash', async () => {
    const source = new PassThrough();
    const pending = createMimeGuard().inspect(source);
    source.write(f.png().subarray(0, 10));
    source.destroy(new Error('Unexpected end of form'));
    await expect(pending).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID', status: 400 });
  });

  it('reads a streamed SVG whole and finds a script past the first 4 KB', async () => {
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg">${'<rect width="1" height="1"/>'.repeat(400)}<script>alert(1)</script></svg>`,
    );
    expect(svg.length).toBeGreaterThan(8000);
    const guard = createMimeGuard({ allow: ['svg'] });
    const d = await guard.inspect(Readable.from(chunked(svg, 1000)), { filename: 'a.svg' });
    expect(d.ok ? 'accepted' : d.error.code).toBe('ERR_MIME_UNSAFE_CONTENT');
    const clean = Buffer.from(svg.toString().replace('<script>alert(1)</script>', ''));
    const ok = await guard.inspect(webStream(chunked(clean, 1000)), { filename: 'a.svg' });
    expect(ok.ok).toBe(true);
    if (ok.ok) expect((await consumeWeb(ok.content)).equals(clean)).toBe(true);
  });

  it('refuses a streamed text file over its (1 MiB) limit without holding more', async () => {
    const csv = Buffer.from('a,b\n'.repeat(300_000));
    const d = await createMimeGuard({ allow: ['csv'] }).inspect(Readable.from(chunked(csv, 65_536)), {
      filename: 'a.csv',
    });
    expect(d.ok ? 'accepted' : [d.error.code, d.bytesRead]).toEqual(['ERR_MIME_TOO_LARGE', 1024 * 1024]);
  });
});
