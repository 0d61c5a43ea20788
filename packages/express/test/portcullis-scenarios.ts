/**
 * The scenario table of the one-call `portcullis` entry point, shared by the Express, Fastify
 * and Hono tests so the three compositions cannot drift. Each adapter test builds the same
 * small app (below) over the modules given here and returns its loopback URL.
 */
import { createAuditLog, createMemorySink, type MemorySink } from '@portcullis/audit';
import { createManualClock, createSecurityContext, type SecurityContext } from '@portcullis/core';
import { createMetrics, type Metrics } from '@portcullis/metrics';
import { createMimeGuard, type MimeGuard } from '@portcullis/mime-guard';
import { createPasswordValidator, type PasswordValidator } from '@portcullis/password';
import {
  createMemoryRateLimitStore,
  createRateLimitPolicy,
  type RateLimitPolicy,
} from '@portcullis/rate-limit';
import {
  createKeySet,
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  createTokenService,
  type TokenService,
} from '@portcullis/tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { png } from '../../mime-guard/test/fixtures.ts';

export const METRICS_TOKEN = 'entry-point-metrics-token';

/** The modules every flavour wires with its `portcullis` entry point. */
export interface EntryModules {
  context: SecurityContext;
  rateLimit: RateLimitPolicy;
  tokens: TokenService;
  metrics: Metrics;
  passwordValidator: PasswordValidator;
  guard: MimeGuard;
  audit: ReturnType<typeof createAuditLog>;
}

/**
 * What each adapter test serves, through `portcullis(...)` only:
 * - the global middleware/plugin on every route;
 * - `GET /open` → 200 `ok`; `GET /me` (requireAuth) → `{ sub }`; `GET /metrics` (metricsHandler);
 * - `POST /pw` (passwordPolicy) → 204; `POST /upload` (requireAuth, uploads) → 201 `{ files }`;
 * - `GET /file/:id` (auditFile read, requireAuth) → 200.
 */
export type BuildEntryApp = (modules: EntryModules) => Promise<{ url: string; close(): Promise<void> }>;

/** Runs the table against one adapter. */
export function runEntryScenarios(name: string, build: BuildEntryApp): void {
  describe(`portcullis() for ${name}`, () => {
    const clock = createManualClock(Date.now());
    const context = createSecurityContext({ clock });
    const events = context.events;
    const sink: MemorySink = createMemorySink();
    let modules: EntryModules;
    let app: { url: string; close(): Promise<void> };
    let token = '';

    beforeAll(async () => {
      const keys = await createKeySet({
        keys: [{ kid: 'k1', alg: 'HS256', secret: new Uint8Array(32).fill(7) }],
        currentKid: 'k1',
      });
      modules = {
        context,
        rateLimit: createRateLimitPolicy({
          rules: [{ id: 'open', method: 'GET', path: '/open', limit: 3, windowMs: 60_000 }],
          defaultRule: { id: 'default', limit: 1000, windowMs: 60_000 },
          store: createMemoryRateLimitStore({ clock }),
          clock,
          events,
        }),
        tokens: createTokenService({
          keys,
          issuer: 'https://entry.test',
          audience: 'entry',
          revocationStore: createMemoryRevocationStore({ clock, warn: false }),
          refreshStore: createMemoryRefreshTokenStore({ clock, warn: false }),
          clock,
          events,
        }),
        metrics: createMetrics({ events }),
        passwordValidator: createPasswordValidator(),
        guard: createMimeGuard({ events }),
        audit: createAuditLog({ app: 'entry-test', sink, key: null, clock, events }),
      };
      token = (await modules.tokens.issue({ subject: 'user-1' })).access_token;
      app = await build(modules);
    });
    afterAll(async () => {
      await app?.close();
    });

    const get = (path: string, bearer?: string) =>
      fetch(`${app.url}${path}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});

    it('rate-limits every route through the one global middleware, 404s included', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await get('/open')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const missing = await get('/no-such-route');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('ratelimit-policy')).toBe('"default";q=1000;w=60');
    });

    it('requireAuth() refuses a request without a token (401) and passes the claims on', async () => {
      const refused = await get('/me');
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const ok = await get('/me', token);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ sub: 'user-1' });
    });

    it('metricsHandler() is guarded by the token and counts the requests, refusals included', async () => {
      expect((await get('/metrics')).status).toBe(401);
      const r = await get('/metrics', METRICS_TOKEN);
      expect(r.status).toBe(200);
      const text = await r.text();
      expect(text).toMatch(
        /http_server_request_duration_seconds_count\{[^}]*http_response_status_code="429"/,
      );
    });

    it('passwordPolicy() answers 422 listing every failure, and lets a strong password through', async () => {
      const post = (password: string) =>
        fetch(`${app.url}/pw`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ password }),
        });
      const weak = await post('abc');
      expect(weak.status).toBe(422);
      const body = (await weak.json()) as { failures: { code: string }[] };
      expect(body.failures.map((f) => f.code)).toContain('too_short');
      expect((await post('Quite-Strong-Passphrase-7')).status).toBe(204);
    });

    it('uploads() judges files by their bytes: a PNG is stored, an executable renamed .png is 415', async () => {
      const send = (bytes: Uint8Array, name: string) => {
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), name);
        return fetch(`${app.url}/upload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: form,
        });
      };
      const ok = await send(png(), 'a.png');
      expect(ok.status).toBe(201);
      expect(((await ok.json()) as { files: number }).files).toBe(1);
      const exe = Buffer.alloc(128);
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(exe);
      expect((await send(exe, 'b.png')).status).toBe(415);
    });

    it('auditFile() writes one record per access with the verified user, refusals included', async () => {
      expect((await get('/file/report-7', token)).status).toBe(200);
      expect((await get('/file/report-8')).status).toBe(401);
      await modules.audit.flush();
      const byResource = (r: string) => sink.records.filter((rec) => JSON.stringify(rec).includes(r));
      expect(byResource('report-7')).toHaveLength(1);
      expect(JSON.stringify(byResource('report-7')[0])).toContain('user-1');
      expect(byResource('report-8')).toHaveLength(1);
    });
  });
}
