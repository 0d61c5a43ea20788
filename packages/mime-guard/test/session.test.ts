import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createMimeGuard, createUploadSession, type StoredUpload } from '../src/index.js';
import * as f from './fixtures.js';

describe('createUploadSession', () => {
  it('stores every accepted file in order under its storage name', async () => {
    const disk = new Map<string, Buffer>();
    const session = createUploadSession<Readable, string>(createMimeGuard({ maxFiles: 2 }), {
      store: async (file) => {
        disk.set(file.storageName, await buffer(file.content));
        return `/uploads/${file.storageName}`;
      },
    });
    await session.add(Readable.from([f.png()]), { field: 'a', filename: 'a.png' });
    await session.add(Readable.from([f.pdf()]), { field: 'b', filename: 'b.pdf' });
    const stored = await session.finish();
    expect(stored.map((s) => [s.field, s.type.id, s.stored])).toEqual([
      ['a', 'png', `/uploads/${stored[0]?.storageName}`],
      ['b', 'pdf', `/uploads/${stored[1]?.storageName}`],
    ]);
    expect(disk.get(stored[0]!.storageName)?.equals(f.png())).toBe(true);
  });

  it('throws the first refusal and removes what was already stored (all or nothing)', async () => {
    const removed: string[] = [];
    const session = createUploadSession<Uint8Array, string>(createMimeGuard({ maxFiles: 3 }), {
      store: async (file) => file.storageName,
      remove: async (s: StoredUpload<string>) => {
        removed.push(s.stored);
      },
    });
    await session.add(f.png(), { filename: 'ok.png' });
    await session.add(f.elf(), { filename: 'bad.png' });
    await session.add(f.html(), { filename: 'also-bad.html' });
    await expect(session.finish()).rejects.toMatchObject({ code: 'ERR_MIME_EXECUTABLE' });
    expect(removed).toHaveLength(1);
  });

  it('aborts its signal at the first refusal, with the refusal as reason, so parsing can stop there', async () => {
    const session = createUploadSession<Uint8Array, string>(createMimeGuard({ maxFiles: 3 }), {
      store: async (file) => file.storageName,
    });
    await session.add(f.png(), { filename: 'ok.png' });
    expect(session.signal.aborted).toBe(false);
    await session.add(f.elf(), { filename: 'bad.png' });
    expect(session.signal.aborted).toBe(true);
    expect(session.signal.reason).toMatchObject({ code: 'ERR_MIME_EXECUTABLE' });
    session.abort(new Error('later'));
    expect(session.signal.reason).toMatchObject({ code: 'ERR_MIME_EXECUTABLE' });
    await expect(session.finish()).rejects.toMatchObject({ code: 'ERR_MIME_EXECUTABLE' });
  });

  it('settles once: a second finish (a parser closing after its error) removes nothing twice', async () => {
    const removed: string[] = [];
    const session = createUploadSession<Uint8Array, string>(createMimeGuard({ maxFiles: 2 }), {
      store: async (file) => file.storageName,
      remove: async (s: StoredUpload<string>) => {
        removed.push(s.stored);
      },
    });
    await session.add(f.png(), { filename: 'ok.png' });
    await session.add(f.elf(), { filename: 'bad.png' });
    const [a, b] = await Promise.allSettled([session.finish(), session.finish()]);
    expect(a.status).toBe('rejected');
    expect(b.status).toBe('rejected');
    expect(removed).toHaveLength(1);
  });

  it('numbers files so the count limit applies per request', async () => {
    const session = createUploadSession<Uint8Array, null>(createMimeGuard({ maxFiles: 2 }), {
      store: async () => null,
    });
    for (let i = 0; i < 3; i++) await session.add(f.gif());
    await expect(session.finish()).rejects.toMatchObject({ code: 'ERR_MIME_TOO_MANY_FILES', status: 413 });
  });

  it('drains the source and reports a storage failure that is not the guard’s', async () => {
    const source = Readable.from([f.png(), Buffer.alloc(100_000), Buffer.alloc(100_000)]);
    const session = createUploadSession<Readable, null>(createMimeGuard(), {
      store: async () => {
        throw new Error('disk full');
      },
    });
    await session.add(source);
    await expect(session.finish()).rejects.toThrow('disk full');
    if (!source.readableEnded) await new Promise((r) => source.once('end', r));
    expect(source.readableEnded).toBe(true);
  });
});
