/**
 * The demo's file storage: bytes on local disk under DATA_DIR/files, named by a generated id
 * and the canonical extension of the type the MIME guard detected; the client's file name is
 * kept only as metadata. Shared by all workers of one machine.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredFile {
  id: string;
  ownerId: string;
  mime: string;
  ext: string;
  size: number;
  originalName: string;
  createdAt: string;
}

export interface FileStorage {
  /** Stores the bytes; `id` (a UUID, e.g. from the guard's storage name) is generated when absent. */
  save(
    body: Readable | Uint8Array,
    meta: Omit<StoredFile, 'id' | 'size' | 'createdAt'>,
    id?: string | undefined,
  ): Promise<StoredFile>;
  /** Metadata of a stored file, or undefined (ids are validated: no path can be smuggled in). */
  stat(id: string): Promise<StoredFile | undefined>;
  open(file: StoredFile): Readable;
  /** Deletes a stored file and its metadata (an upload whose request failed after it was stored). */
  remove(file: StoredFile): Promise<void>;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function createFileStorage(dataDir: string): Promise<FileStorage> {
  const dir = join(dataDir, 'files');
  await mkdir(dir, { recursive: true });
  const pathOf = (id: string, ext: string) => join(dir, `${id}.${ext}`);
  return {
    async save(body, meta, wanted) {
      const id = wanted !== undefined && ID.test(wanted) ? wanted : randomUUID();
      const path = pathOf(id, meta.ext);
      let size = 0;
      try {
        if (body instanceof Uint8Array) {
          await writeFile(path, body, { flag: 'wx' });
          size = body.byteLength;
        } else {
          body.on('data', (chunk: Buffer) => {
            size += chunk.length;
          });
          await pipeline(body, createWriteStream(path, { flags: 'wx' }));
        }
      } catch (err) {
        await rm(path, { force: true });
        throw err;
      }
      const stored: StoredFile = { ...meta, id, size, createdAt: new Date().toISOString() };
      await writeFile(join(dir, `${id}.json`), JSON.stringify(stored), { flag: 'wx' });
      return stored;
    },
    async stat(id) {
      if (!ID.test(id)) return undefined;
      try {
        return JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as StoredFile;
      } catch {
        return undefined;
      }
    },
    open: (file) => createReadStream(pathOf(file.id, file.ext)),
    async remove(file) {
      if (!ID.test(file.id)) return;
      await rm(join(dir, `${file.id}.json`), { force: true });
      await rm(pathOf(file.id, file.ext), { force: true });
    },
  };
}
