import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMimeGuard, guardMultipart } from '../src/index.js';
import * as f from './fixtures.js';

/**
 * The client here is the one that trips servers up: a raw socket that keeps writing its 20 MB
 * upload whatever the server says (as curl does), reading the answer as it comes. The server is
 * a bare node:http server around guardMultipart, so the behaviour pinned is mime-guard's own.
 */
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function start(maxFiles = 1): Promise<{
  port: number;
  bytesRead: () => number;
  connections: () => Promise<number>;
}> {
  const guard = createMimeGuard({ allow: ['images'], maxFileSize: 64 * 1024, maxFiles });
  let read = 0;
  server = createServer((req, res) => {
    req.socket.on('close', () => {
      read = req.socket.bytesRead;
    });
    guardMultipart(guard, req, req.headers, {
      response: res,
      store: async (file) => {
        for await (const _ of file.content);
      },
    }).then(
      () => res.writeHead(201).end(),
      (err: { status?: number; code?: string }) =>
        res
          .writeHead(err.status ?? 500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ code: err.code })),
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const connections = () =>
    new Promise<number>((resolve) => server?.getConnections((_e, n) => resolve(n)) ?? resolve(0));
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    bytesRead: () => read,
    connections,
  };
}

describe('lingerAfterRefusal (through guardMultipart)', () => {
  it('answers an over-limit upload at once with Connection: close, then closes without reading the rest', async () => {
    const { port, bytesRead } = await start();
    const boundary = 'b0undary';
    const total = 20 * 1024 * 1024;
    const head = Buffer.from(
      `POST /upload HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: multipart/form-data; boundary=${boundary}\r\n` +
        `content-length: ${total + 200}\r\n\r\n--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n`,
    );
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let written = 0;
    let writeFailed = false;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('error', () => {
      writeFailed = true;
    });
    socket.write(Buffer.concat([head, f.png()]));
    const chunk = Buffer.alloc(64 * 1024);
    // Keep writing, as a client that does not watch for an early answer, until the server closes.
    const pump = () => {
      while (!socket.destroyed && written < total) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('"code":"ERR_MIME_TOO_LARGE"');
    // The server read the limit plus at most its linger bound (1 MiB) and socket buffers, not 20 MB.
    expect(bytesRead()).toBeLessThan(4 * 1024 * 1024);
    expect(written < total || writeFailed).toBe(true);
  });

  it('lets a client that stops sending on the answer close cleanly: the server closes on its FIN', async () => {
    const { port } = await start();
    const boundary = 'b0undary';
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let reset = false;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {
      reset = true;
    });
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      // A well-behaved client: on the final answer, stop sending and close its side.
      if (answer.includes('\r\n\r\n')) socket.end();
    });
    socket.on('end', () => socket.end());
    socket.write(
      `POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=${boundary}\r\n` +
        `content-length: 10000000\r\n\r\n--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n`,
    );
    socket.write(Buffer.concat([f.png(), Buffer.alloc(200 * 1024)]));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(reset).toBe(false);
  });

  it('closes the connection of a client that never closes its side, within the linger bound', async () => {
    const { port, connections } = await start();
    const boundary = 'b0undary';
    // allowHalfOpen: the client does not answer the server's FIN with its own (a stubborn client).
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => {});
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n`,
      ),
      f.png(),
      Buffer.alloc(100 * 1024),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    socket.write(
      `POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=${boundary}\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
    const deadline = Date.now() + 6_000;
    while (Date.now() < deadline && (!answer.includes('\r\n\r\n') || (await connections()) > 0))
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(await connections()).toBe(0);
    socket.destroy();
  });

  it('stops on a refused file without an unhandled stream error, whatever file the parser was feeding', async () => {
    const { port, connections } = await start(3);
    const boundary = 'b0undary';
    const part = (name: string, bytes: Buffer) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: image/png\r\n\r\n`,
        ),
        bytes,
        Buffer.from('\r\n'),
      ]);
    // A good file, a refused one, then one still arriving when the parser is destroyed: its head
    // may already be judged (no listener of the guard left on it) when the refusal lands.
    const body = Buffer.concat([
      part('a.png', f.png()),
      part('b.png', f.elf()),
      part('c.png', Buffer.concat([f.png(), Buffer.alloc(500_000)])),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/upload`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      });
      expect(r.status).toBe(415);
      await r.arrayBuffer();
    }
    // Wait (bounded) until every connection is torn down, parsers included: an unhandled 'error'
    // raised there would fail this file's run.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (await connections()) > 0)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await connections()).toBe(0);
  });
});
