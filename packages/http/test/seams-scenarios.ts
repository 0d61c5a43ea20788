/**
 * The seams table: what one module decides must reach the next, through each adapter's one-call
 * `portcullis()`, over real HTTP, behind a real reverse proxy where the client address matters.
 * Each row is a finding of the outside review (issue "one security context"); the Express,
 * Fastify and Hono tests build the same app (below) and run every row.
 */
import { createAuditLog, createMemorySink, type MemorySink } from '@portcullis/audit';
import { createSecurityContext, type SecurityContext, type SecurityRequest } from '@portcullis/core';
import { createMetrics, type Metrics } from '@portcullis/metrics';
import { createMimeGuard, type MimeGuard } from '@portcullis/mime-guard';
import {
  createLoginGuard,
  type LoginGuard,
  type RateLimitRules,
  rateLimitRules,
} from '@portcullis/rate-limit';
import { createKeySet, createTokenService, type TokenService } from '@portcullis/tokens';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startForwardingProxy, type TestProxy } from '../../../test-utils/proxy.ts';
import { png } from '../../mime-guard/test/fixtures.ts';

/** The rule table every flavour gets (as rules: the pipeline builds the policy on the context). */
export const SEAM_RULES: RateLimitRules = rateLimitRules({
  rules: [
    { id: 'open', method: 'GET', path: '/open', limit: 3, windowMs: 60_000 },
    { id: 'login', method: 'POST', path: '/auth/login', limit: 5, windowMs: 60_000 },
  ],
  defaultRule: { id: 'default', limit: 20, windowMs: 60_000 },
});

/** What the builders wire, all created from one security context. */
export interface SeamModules {
  context: SecurityContext;
  rateLimit: RateLimitRules;
  tokens: TokenService;
  metrics: Metrics;
  audit: ReturnType<typeof createAuditLog>;
  loginGuard: LoginGuard;
  /** Upload guard: 64 KiB per file. */
  guard: MimeGuard;
  /** Give it to `portcullis({ onError })`: the table reads what reached it. */
  onError: (error: unknown, request: SecurityRequest | undefined) => void;
}

/**
 * What each flavour serves, through `portcullis({ context, rateLimit, tokens, metrics, audit,
 * onError })` with `scrape` left to its default (no token: loopback clients only, `/metrics`):
 * - `GET /open` → 200 `ok`; `GET /me` (requireAuth) → `{ sub }`; `GET /metrics` (metricsHandler);
 * - `POST /auth/login`: reads `x-user` / `x-pass` headers, `loginGuard.attempt({ username,
 *   client })` with the client of the request, then `succeeded({ userId: 'id-' + user })` and
 *   200 when the password is `right`, else `failed()` and 401;
 * - `POST /refresh` (refreshHandler, after the adapter's or framework's JSON parser: Express `jsonBody()`);
 * - `GET /boom` throws `new Error('db down')`; `GET /forbidden` throws an http-errors style
 *   `{ status: 403, expose: true, message: 'You may not see invoice 42' }`;
 * - `GET /download/:id` (auditFile read): sends the first chunk `partial` and never ends the body;
 * - `POST /upload` (the `uploads` piece with `guard`, storing nothing: drain `file.content`) → 201;
 * - the error handler of the one-call entry.
 */
export type BuildSeamApp = (modules: SeamModules) => Promise<{ url: string; close(): Promise<void> }>;

const metricValue = (text: string, name: string, labels: Record<string, string>): number => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.split(' ').pop());
  }
  return 0;
};

/** Runs the table against one adapter. */
export function runSeamScenarios(name: string, build: BuildSeamApp): void {
  describe(`seams through portcullis() for ${name}`, () => {
    const sink: MemorySink = createMemorySink();
    const errors: unknown[] = [];
    let modules: SeamModules;
    let app: { url: string; close(): Promise<void> };
    let proxy: TestProxy;

    beforeAll(async () => {
      const context = createSecurityContext({ trustProxy: ['loopback'] });
      const keys = await createKeySet({
        keys: [{ kid: 'k1', alg: 'HS256', secret: new Uint8Array(32).fill(9) }],
        currentKid: 'k1',
      });
      modules = {
        context,
        rateLimit: SEAM_RULES,
        tokens: createTokenService({
          keys,
          issuer: 'https://seams.test',
          audience: 'seams',
          events: context.events,
        }),
        // A registry of its own: the three flavours run in parallel files.
        metrics: createMetrics({ context, registry: new Registry() }),
        audit: createAuditLog({ app: 'seams', sink, key: null, context }),
        loginGuard: createLoginGuard({ context, slowLane: false }),
        guard: createMimeGuard({ context, maxFileSize: 64 * 1024 }),
        onError: (error) => {
          errors.push(error);
        },
      };
      app = await build(modules);
      proxy = await startForwardingProxy(app.url);
    });
    afterAll(async () => {
      await proxy?.close();
      await app?.close();
    });

    const viaProxy = (
      path: string,
      peer: string,
      init: RequestInit & { headers?: Record<string, string> } = {},
    ) => fetch(`${proxy.url}${path}`, { ...init, headers: { ...init.headers, 'x-sim-peer': peer } });
    const scrape = async () => (await fetch(`${app.url}/metrics`)).text();

    it('finding 1: behind a trusted proxy every client has its own bucket, and /metrics refuses public clients', async () => {
      const a: number[] = [];
      for (let i = 0; i < 4; i++) a.push((await viaProxy('/open', '198.51.100.1')).status);
      expect(a).toEqual([200, 200, 200, 429]);
      expect((await viaProxy('/open', '198.51.100.2')).status).toBe(200);
      const publicScrape = await viaProxy('/metrics', '203.0.113.50');
      expect(publicScrape.status).toBe(403);
      expect((await viaProxy('/metrics', '127.0.0.1')).status).toBe(200);
    });

    it('finding 2: a spoofed chain longer than the length cap still resolves to the address the proxy appended', async () => {
      const spoof = Array.from({ length: 520 }, (_, i) => `127.0.${(i >> 8) & 255}.${i & 255}`).join(', ');
      const r = await viaProxy('/metrics', '203.0.113.60', { headers: { 'x-forwarded-for': spoof } });
      expect(r.status).toBe(403);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (await viaProxy('/open', '198.51.100.3', { headers: { 'x-forwarded-for': spoof } })).status,
        );
      expect(statuses).toEqual([200, 200, 200, 429]);
      // Keyed on the appended address, not on the proxy: another client behind it is untouched.
      expect(
        (await viaProxy('/open', '198.51.100.4', { headers: { 'x-forwarded-for': spoof } })).status,
      ).toBe(200);
    });

    it('finding 3: the limiter applies the rule of the route the framework dispatches to (`/auth\\login#`)', async () => {
      const targets = ['/auth\\login#', '/auth/login\\#', '/AUTH\\LOGIN#', '/auth//login', '/auth/login/'];
      const results = await Promise.all(
        [...targets, ...targets].map((t) =>
          rawRequest(app.url, 'POST', t, {
            'x-user': 'mallory',
            'x-pass': 'guess',
            'x-forwarded-for': '1.1.1.1',
          }),
        ),
      );
      for (const r of results) {
        // Whatever answered, a request the login handler saw was counted under `login`.
        if (r.status === 401 || r.status === 200) expect(r.headers['ratelimit-policy']).toMatch(/^"login"/);
      }
      const reachedLogin = results.filter((r) => r.status === 401 || r.status === 200).length;
      expect(reachedLogin).toBeLessThanOrEqual(5);
    });

    it('finding 3: a malformed target is answered as problem+json without echoing it, measured and rate-limited', async () => {
      const r = await rawRequest(app.url, 'GET', '/files/%<script>');
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.headers['ratelimit-policy']).toBeDefined();
      expect(r.body).not.toContain('<script>');
    });

    it('finding 4: a login success and a failure reach audit and metrics without a line of wiring', async () => {
      const fail = await viaProxy('/auth/login', '192.0.2.7', {
        method: 'POST',
        headers: { 'x-user': 'ann', 'x-pass': 'wrong' },
      });
      expect(fail.status).toBe(401);
      const ok = await viaProxy('/auth/login', '192.0.2.7', {
        method: 'POST',
        headers: { 'x-user': 'ann', 'x-pass': 'right' },
      });
      expect(ok.status).toBe(200);
      await modules.audit.flush();
      const events = sink.records.map((r) => `${r.event}:${r.ip ?? ''}:${r.user ?? ''}`);
      expect(events).toContain('authn_login_fail:192.0.2.7:');
      expect(events).toContain('authn_login_success:192.0.2.7:id-ann');
      const text = await scrape();
      expect(
        metricValue(text, 'portcullis_security_events_total', { event: 'authn_login_success' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        metricValue(text, 'portcullis_security_events_total', { event: 'authn_login_fail' }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('finding 4: a 429 and a refused token reach audit and metrics', async () => {
      expect(
        (await fetch(`${app.url}/me`, { headers: { authorization: 'Bearer not.a.token' } })).status,
      ).toBe(401);
      await modules.audit.flush();
      const names = new Set(sink.records.map((r) => r.event));
      expect(names.has('ratelimit_exceeded')).toBe(true);
      expect(names.has('authn_token_invalid')).toBe(true);
      const text = await scrape();
      expect(
        metricValue(text, 'portcullis_security_events_total', { event: 'ratelimit_exceeded' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        metricValue(text, 'portcullis_security_events_total', { event: 'authn_token_invalid' }),
      ).toBeGreaterThanOrEqual(1);
    });

    it("finding 6: the app's unexpected error is an opaque 500 that reaches onError; its own HTTP error keeps status and message", async () => {
      const boom = await fetch(`${app.url}/boom`);
      expect(boom.status).toBe(500);
      const body = await boom.text();
      expect(body).not.toContain('db down');
      expect(JSON.parse(body)).toMatchObject({ code: 'ERR_INTERNAL', status: 500 });
      expect(errors.some((e) => e instanceof Error && e.message === 'db down')).toBe(true);
      const forbidden = await fetch(`${app.url}/forbidden`);
      expect(forbidden.status).toBe(403);
      expect(await forbidden.json()).toMatchObject({
        status: 403,
        title: 'Forbidden',
        detail: 'You may not see invoice 42',
      });
    });

    it('finding 7: scrapes are outside rate limiting (a Prometheus pair scraping every second never sees 429)', async () => {
      const statuses = new Set<number>();
      for (let i = 0; i < 25; i++) statuses.add((await fetch(`${app.url}/metrics`)).status);
      expect([...statuses]).toEqual([200]);
    });

    it('finding 8: a malformed JSON body on a token route is a 400 input problem on every framework', async () => {
      const r = await fetch(`${app.url}/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"refresh_token":',
      });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ code: 'ERR_INPUT_INVALID' });
    });

    it('a JSON route sent another media type answers 415 on every framework (a form post needs no preflight)', async () => {
      const r = await fetch(`${app.url}/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"refresh_token":"x"}',
      });
      expect(r.status).toBe(415);
      expect(await r.json()).toMatchObject({ code: 'ERR_INPUT_MEDIA_TYPE', status: 415 });
    });

    it('finding 8: a throttled request is labelled with no route on every framework', async () => {
      const text = await scrape();
      expect(
        metricValue(text, 'http_server_request_duration_seconds_count', {
          http_route: '__unmatched__',
          http_response_status_code: '429',
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(text).not.toMatch(/http_route="\/open"[^}]*http_response_status_code="429"/);
    });

    it('finding 8: an oversized upload is a 413 the client reads (no reset) and is counted as an upload rejection', async () => {
      const send = () => {
        const form = new FormData();
        // A real PNG head, then 1 MiB more: over the 64 KiB limit, and the client is still sending.
        const big = Buffer.concat([png(), Buffer.alloc(1024 * 1024)]);
        form.append('file', new Blob([new Uint8Array(big)], { type: 'image/png' }), 'big.png');
        return fetch(`${app.url}/upload`, { method: 'POST', body: form });
      };
      for (let i = 0; i < 5; i++) {
        const r = await send();
        expect(r.status).toBe(413);
        expect(await r.json()).toMatchObject({ code: 'ERR_MIME_TOO_LARGE' });
      }
      const text = await scrape();
      expect(
        metricValue(text, 'portcullis_uploads_total', { outcome: 'rejected', reason: 'ERR_MIME_TOO_LARGE' }),
      ).toBeGreaterThanOrEqual(5);
    });

    it('an over-limit upload is answered as soon as the limit is passed, read by the client, and the rest of the body is not read', async () => {
      // 50 MB streamed behind a real PNG head, against a 64 KiB limit: the client counts what it
      // could push. Before, every framework read all 50 MB before answering.
      const boundary = 'portcullis-early-413';
      const total = 50 * 1024 * 1024;
      const chunk = new Uint8Array(64 * 1024);
      const head = new TextEncoder().encode(
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.png"\r\ncontent-type: image/png\r\n\r\n`,
      );
      let sent = 0;
      let started = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!started) {
            started = true;
            const first = new Uint8Array([...head, ...png()]);
            sent += first.length;
            controller.enqueue(first);
          } else if (sent < total) {
            sent += chunk.length;
            controller.enqueue(chunk);
          } else {
            controller.enqueue(new TextEncoder().encode(`\r\n--${boundary}--\r\n`));
            controller.close();
          }
        },
      });
      const r = await fetch(`${app.url}/upload`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
        duplex: 'half',
      } as RequestInit);
      const sentAtAnswer = sent;
      expect(r.status).toBe(413);
      expect(await r.json()).toMatchObject({ code: 'ERR_MIME_TOO_LARGE' });
      // The answer came after the limit plus what the sockets buffer, not after 50 MB.
      expect(sentAtAnswer).toBeLessThan(8 * 1024 * 1024);
      // And the server stops reading a bounded while later: the client cannot push the 50 MB.
      const deadline = Date.now() + 5_000;
      let last = -1;
      while (Date.now() < deadline && sent !== last) {
        last = sent;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(sent).toBeLessThan(16 * 1024 * 1024);
    });

    it('finding 8: an aborted download is audited ABORTED on every framework', async () => {
      const controller = new AbortController();
      const res = await fetch(`${app.url}/download/report-9`, { signal: controller.signal });
      const reader = res.body?.getReader();
      await reader?.read();
      controller.abort();
      const deadline = Date.now() + 5_000;
      let record: (typeof sink.records)[number] | undefined;
      while (Date.now() < deadline) {
        await modules.audit.flush();
        record = sink.records.find((r) => r.resource === 'report-9');
        if (record) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(record).toMatchObject({ outcome: 'failure', reason: 'ABORTED' });
    });
  });
}
