/**
 * One scenario table for the Express, Fastify and Hono upload adapters, so their behaviour
 * cannot drift apart. Each adapter test starts a real server on 127.0.0.1 serving `POST /files`
 * with its `guardUploads` and the {@link UploadDisk} given here, and calls
 * {@link runUploadScenarios}; requests are real multipart bodies sent over loopback.
 *
 * The route answers 200 with JSON `{ files: [{ field, type, storageName, size }], fields }`
 * built from the state the adapter stashed on the request.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMimeGuard, type MimeGuard, type MimeGuardOptions } from '../src/index.js';
import * as f from './fixtures.js';

/** The storage every test app writes to: adapters only differ in how they read the content. */
export interface UploadDisk {
  put(storageName: string, bytes: Uint8Array): void;
  delete(storageName: string): void;
  readonly files: Map<string, Uint8Array>;
  /** The route handler calls it: a refused request must never reach the handler. */
  routeReached(): void;
}

/** A running test app. */
export interface StartedApp {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Starts the adapter's app with this guard and disk, listening on 127.0.0.1 port 0. */
export type StartUploadApp = (guard: MimeGuard, disk: UploadDisk) => Promise<StartedApp>;

interface Part {
  field: string;
  filename?: string;
  type?: string;
  data: Buffer | string;
}

/** A multipart/form-data body written by hand, so names and types go on the wire as given. */
export function multipart(parts: readonly Part[], options: { close?: boolean } = {}) {
  const boundary = `----portcullis${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.type !== undefined) head += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  if (options.close !== false) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

interface Expect {
  status: number;
  code?: string;
  /** Type ids of the stored files, in order. */
  stored?: readonly string[];
  fields?: Readonly<Record<string, string>>;
  /** Strings that must not appear in the response body. */
  notInBody?: readonly string[];
  allowed?: readonly string[];
}

interface Scenario {
  readonly name: string;
  readonly guard?: MimeGuardOptions;
  readonly parts?: readonly Part[];
  /** A raw body instead of `parts`. */
  readonly raw?: () => { body: Buffer; contentType: string };
  readonly expect: Expect;
}

const big = (bytes: number) => Buffer.concat([f.png(), Buffer.alloc(bytes, 0x5a)]);

/** The table. */
export const UPLOAD_SCENARIOS: readonly Scenario[] = [
  {
    name: 'stores a PNG under a generated name and echoes the text fields',
    parts: [
      { field: 'title', data: 'holiday' },
      { field: 'photo', filename: 'cat.png', type: 'image/png', data: f.png() },
    ],
    expect: { status: 200, stored: ['png'], fields: { title: 'holiday' } },
  },
  {
    name: 'refuses a second file by default (one file per request), storing neither',
    parts: [
      { field: 'a', filename: 'a.png', type: 'image/png', data: f.png() },
      { field: 'b', filename: 'b.png', type: 'image/png', data: f.png() },
    ],
    expect: { status: 413, code: 'ERR_MIME_TOO_MANY_FILES', stored: [] },
  },
  {
    name: 'stores several files of allowed types in order',
    guard: { maxFiles: 3 },
    parts: [
      { field: 'a', filename: 'a.jpg', type: 'image/jpeg', data: f.jpg() },
      { field: 'b', filename: 'b.pdf', type: 'application/pdf', data: f.pdf() },
      { field: 'c', filename: 'c.gif', type: 'image/gif', data: f.gif() },
    ],
    expect: { status: 200, stored: ['jpg', 'pdf', 'gif'] },
  },
  {
    name: 'streams a 3 MB image through to storage',
    parts: [{ field: 'photo', filename: 'big.png', type: 'image/png', data: big(3_000_000) }],
    expect: { status: 200, stored: ['png'] },
  },
  {
    name: 'refuses an ELF binary renamed cat.png with 415',
    parts: [{ field: 'photo', filename: 'cat.png', type: 'image/png', data: f.elf() }],
    expect: { status: 415, code: 'ERR_MIME_EXECUTABLE', stored: [] },
  },
  {
    name: 'refuses a PE executable renamed cat.png with 415',
    parts: [{ field: 'photo', filename: 'cat.png', type: 'image/png', data: f.pe() }],
    expect: { status: 415, code: 'ERR_MIME_EXECUTABLE', stored: [] },
  },
  {
    name: 'refuses a zip with 415 listing the allowed types',
    parts: [{ field: 'f', filename: 'a.zip', type: 'application/zip', data: f.plainZip() }],
    expect: {
      status: 415,
      code: 'ERR_MIME_NOT_ALLOWED',
      allowed: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'application/pdf'],
    },
  },
  {
    name: 'refuses a PNG declared application/pdf with 422',
    parts: [{ field: 'f', filename: 'doc.png', type: 'application/pdf', data: f.png() }],
    expect: { status: 422, code: 'ERR_MIME_MISMATCH' },
  },
  {
    name: 'refuses photo.jpg.exe with 422',
    parts: [{ field: 'f', filename: 'photo.jpg.exe', type: 'image/jpeg', data: f.jpg() }],
    expect: { status: 422, code: 'ERR_MIME_BAD_FILENAME' },
  },
  {
    name: 'never echoes a hostile file name unescaped',
    parts: [
      { field: 'f', filename: '<script>alert(1)</script>.zip', type: 'application/zip', data: f.plainZip() },
    ],
    expect: { status: 415, code: 'ERR_MIME_NOT_ALLOWED', notInBody: ['<script>', '</script>'] },
  },
  {
    name: 'refuses an SVG with onload with 422 even where SVG is allowed',
    guard: { allow: ['images', 'svg'] },
    parts: [{ field: 'f', filename: 'logo.svg', type: 'image/svg+xml', data: f.svgOnload() }],
    expect: { status: 422, code: 'ERR_MIME_UNSAFE_CONTENT' },
  },
  {
    name: 'refuses an empty file with 422',
    parts: [{ field: 'f', filename: 'e.png', type: 'image/png', data: '' }],
    expect: { status: 422, code: 'ERR_MIME_EMPTY' },
  },
  {
    name: 'refuses a file over the limit with 413 without hanging, and keeps nothing',
    guard: { maxFileSize: 64 * 1024 },
    parts: [{ field: 'f', filename: 'big.png', type: 'image/png', data: big(2_000_000) }],
    expect: { status: 413, code: 'ERR_MIME_TOO_LARGE', stored: [] },
  },
  {
    name: 'refuses the third file when the limit is two, and removes the stored ones',
    guard: { maxFiles: 2 },
    parts: [
      { field: 'a', filename: 'a.png', type: 'image/png', data: f.png() },
      { field: 'b', filename: 'b.png', type: 'image/png', data: f.png() },
      { field: 'c', filename: 'c.png', type: 'image/png', data: f.png() },
    ],
    expect: { status: 413, code: 'ERR_MIME_TOO_MANY_FILES', stored: [] },
  },
  {
    name: 'refuses the whole request when a later file is bad, removing the good one already stored',
    guard: { maxFiles: 3 },
    parts: [
      { field: 'a', filename: 'a.png', type: 'image/png', data: f.png() },
      { field: 'b', filename: 'b.png', type: 'image/png', data: f.elf() },
      { field: 'c', filename: 'c.png', type: 'image/png', data: big(500_000) },
    ],
    expect: { status: 415, code: 'ERR_MIME_EXECUTABLE', stored: [] },
  },
  {
    name: 'answers 400 to a multipart body cut before its closing boundary',
    raw: () =>
      multipart([{ field: 'f', filename: 'a.png', type: 'image/png', data: f.png() }], { close: false }),
    expect: { status: 400, code: 'ERR_INPUT_INVALID', stored: [] },
  },
  {
    name: 'answers 400 to a body that is not multipart',
    raw: () => ({ body: Buffer.from('{"a":1}'), contentType: 'application/json' }),
    expect: { status: 400, code: 'ERR_INPUT_INVALID', stored: [] },
  },
];

function post(
  baseUrl: string,
  body: Buffer,
  contentType: string,
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseUrl}/files`,
      { method: 'POST', headers: { 'content-type': contentType, 'content-length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the table against one adapter. */
export function runUploadScenarios(adapter: string, start: StartUploadApp): void {
  describe(`${adapter} guardUploads (shared scenarios, real multipart over loopback)`, () => {
    let app: StartedApp | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    for (const s of UPLOAD_SCENARIOS) {
      it(s.name, async () => {
        const files = new Map<string, Uint8Array>();
        let reached = 0;
        const disk: UploadDisk = {
          files,
          put: (name, bytes) => void files.set(name, bytes),
          delete: (name) => void files.delete(name),
          routeReached: () => void reached++,
        };
        app = await start(createMimeGuard(s.guard), disk);
        const { body, contentType } = s.raw ? s.raw() : multipart(s.parts ?? []);
        const res = await post(app.baseUrl, body, contentType);
        expect(res.status).toBe(s.expect.status);
        expect(reached).toBe(s.expect.status === 200 ? 1 : 0);
        for (const bad of s.expect.notInBody ?? []) expect(res.text).not.toContain(bad);
        const json = JSON.parse(res.text) as Record<string, unknown>;
        if (s.expect.code) {
          expect(res.type).toMatch(/^application\/problem\+json/);
          expect(json).toMatchObject({ status: s.expect.status, code: s.expect.code });
        }
        if (s.expect.allowed) expect(json.allowed).toEqual(s.expect.allowed);
        if (s.expect.stored) {
          expect([...files.keys()].map((k) => k.split('.').pop())).toEqual(s.expect.stored);
        }
        if (s.expect.status === 200) {
          const out = json as {
            files: { type: string; storageName: string }[];
            fields: Record<string, string>;
          };
          expect(out.files.map((x) => x.type)).toEqual(s.expect.stored);
          expect(out.files.map((x) => x.storageName)).toEqual([...files.keys()]);
          if (s.expect.fields) expect(out.fields).toEqual(s.expect.fields);
          // Byte-exact storage: what the client sent is what was stored.
          const sent = (s.parts ?? []).filter((p) => p.filename !== undefined);
          sent.forEach((p, i) => {
            expect(Buffer.from(files.get(out.files[i]!.storageName)!).equals(Buffer.from(p.data))).toBe(true);
          });
        }
        // The server is still healthy after whatever this scenario sent.
        const again = multipart([{ field: 'x', filename: 'x.gif', type: 'image/gif', data: f.gif() }]);
        files.clear();
        expect((await post(app.baseUrl, again.body, again.contentType)).status).toBe(200);
      });
    }

    it('survives a client that disconnects in the middle of a file, and serves the next request', async () => {
      const files = new Map<string, Uint8Array>();
      const disk: UploadDisk = {
        files,
        put: (name, bytes) => void files.set(name, bytes),
        delete: (name) => void files.delete(name),
        routeReached: () => {},
      };
      app = await start(createMimeGuard(), disk);
      const { body, contentType } = multipart([
        { field: 'f', filename: 'big.png', type: 'image/png', data: big(1_000_000) },
      ]);
      const url = new URL(app.baseUrl);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(
            `POST /files HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
          );
          socket.write(body.subarray(0, 200_000), () => {
            socket.destroy();
            resolve();
          });
        });
        socket.on('error', reject);
      });
      const again = multipart([{ field: 'x', filename: 'x.gif', type: 'image/gif', data: f.gif() }]);
      expect((await post(app.baseUrl, again.body, again.contentType)).status).toBe(200);
      expect([...files.keys()].map((k) => k.split('.').pop())).toEqual(['gif']);
    });
  });
}
