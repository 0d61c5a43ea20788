/**
 * Slow clients: an upload trickling one byte at a time, and headers trickling the
 * same way (slowloris), are cut off by REQUEST_TIMEOUT_MS / HEADERS_TIMEOUT_MS on all three
 * flavours, and the server keeps answering. Before, Fastify's requestTimeout was 0 (never) and
 * Node's defaults for Express and Hono were 300 s / 60 s.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { png } from '../../packages/mime-guard/test/fixtures.ts';
import type { Framework } from '../src/config.ts';
import { type DemoHarness, startHarness } from './harness.ts';

const REQUEST_TIMEOUT_MS = 1000;
const HEADERS_TIMEOUT_MS = 500;
/** How long the client keeps trickling before giving up: far past the bound, far below Node's defaults. */
const GIVE_UP_MS = 8000;

interface Trickle {
  /** Milliseconds from the first byte until the server closed the connection (undefined: never). */
  closedAfter: number | undefined;
  /** What the server sent before closing. */
  received: string;
}

/** Sends `head` at once, then `body` one byte every `everyMs`, until the server closes or GIVE_UP_MS pass. */
function trickle(url: string, head: string, body: Buffer, everyMs: number): Promise<Trickle> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const started = Date.now();
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (closedAfter: number | undefined) => {
      clearInterval(timer);
      socket.destroy();
      resolve({ closedAfter, received: Buffer.concat(chunks).toString('latin1') });
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => done(Date.now() - started));
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (Date.now() - started > GIVE_UP_MS) return done(undefined);
        if (sent < body.length && !socket.destroyed) socket.write(body.subarray(sent, ++sent));
      }, everyMs);
    });
  });
}

function runSlowClients(framework: Framework): void {
  describe(`slow clients on the ${framework} demo`, () => {
    let h: DemoHarness;
    let token: string;
    beforeAll(async () => {
      h = await startHarness(framework, {
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      });
      const res = await fetch(`${h.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'demo', password: 'Correct-Horse-Battery-9' }),
      });
      token = ((await res.json()) as { accessToken: string }).accessToken;
    });
    afterAll(async () => {
      await h?.close();
    });

    it('cuts off an upload sent one byte at a time once REQUEST_TIMEOUT_MS has passed', async () => {
      const boundary = 'slowslowslow';
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n` +
            'Content-Type: image/png\r\n\r\n',
        ),
        png(),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const head =
        `POST /files HTTP/1.1\r\nHost: demo.test\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\n\r\n`;
      const r = await trickle(h.url, head, body, 200);
      expect(r.closedAfter, 'the slow upload was never cut off').toBeDefined();
      expect(r.closedAfter).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS * 0.9);
      if (r.received !== '') expect(r.received).toMatch(/^HTTP\/1\.1 408 /);
      expect((await fetch(`${h.url}/health`)).status).toBe(200);
    });

    it('cuts off headers sent one byte at a time once HEADERS_TIMEOUT_MS has passed (slowloris)', async () => {
      const r = await trickle(
        h.url,
        'GET /health HTTP/1.1\r\nHost: demo.test\r\n',
        Buffer.from(`X-Slow: ${'a'.repeat(200)}\r\n\r\n`),
        100,
      );
      expect(r.closedAfter, 'the slow headers were never cut off').toBeDefined();
      expect(r.closedAfter).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS * 0.9);
      if (r.received !== '') expect(r.received).toMatch(/^HTTP\/1\.1 408 /);
    });
  });
}

for (const framework of ['express', 'fastify', 'hono'] as const) runSlowClients(framework);
