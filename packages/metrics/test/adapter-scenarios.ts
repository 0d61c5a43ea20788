/**
 * The one scenario table that the Express, Fastify and Hono metrics adapters all run, over real
 * loopback sockets, so their behaviour cannot drift apart. Each adapter test supplies a factory
 * that serves these routes with its framework:
 *
 * | route                 | behaviour                                                    |
 * |-----------------------|--------------------------------------------------------------|
 * | GET  /users/:id       | 200 `ok`                                                     |
 * | POST /login           | 201                                                          |
 * | GET  /boom            | throws (500 through the framework's error handling)          |
 * | GET  /api/items/:id   | 200, route declared under a mount prefix `/api`              |
 * | GET  /hold            | `await ctx.gate.wait()` then 200                             |
 * | GET  /deferred        | finishes the response after `ctx.clock.advance(250)`, once the handler has returned where the framework allows it |
 * | GET  /metrics         | `metricsHandler({ source: ctx.metrics, ...ctx.scrape })`     |
 *
 * and measures every request with its metrics middleware/plugin bound to `ctx.metrics`.
 */
import { createEventBus, createManualClock, type ManualClock, SECURITY_EVENT_NAMES } from '@portcullis/core';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics, type ScrapeHandlerOptions } from '../src/index.js';
import { type ParsedExposition, parseExposition, sampleValue, seriesOf } from './exposition.js';

/** A latch the /hold route waits on, so tests can hold requests in flight without sleeping. */
export interface Gate {
  wait(): Promise<void>;
  /** Resolves once `n` requests are waiting. */
  arrived(n: number): Promise<void>;
  release(): void;
}

function createGate(): Gate {
  let release!: () => void;
  const open = new Promise<void>((r) => {
    release = r;
  });
  let waiting = 0;
  const watchers: Array<{ n: number; resolve: () => void }> = [];
  return {
    wait() {
      waiting++;
      for (const w of watchers) if (waiting >= w.n) w.resolve();
      return open;
    },
    arrived(n) {
      return waiting >= n ? Promise.resolve() : new Promise((resolve) => watchers.push({ n, resolve }));
    },
    release: () => release(),
  };
}

export interface AppContext {
  metrics: Metrics;
  clock: ManualClock;
  gate: Gate;
  scrape: Omit<ScrapeHandlerOptions, 'source'>;
}

export interface RunningApp {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  close(): Promise<void>;
}

export type AppFactory = (ctx: AppContext) => Promise<RunningApp>;

export interface AdapterCapabilities {
  /** The framework tells the middleware when the client went away before the response. */
  seesAborts: boolean;
}

const H = 'http_server_request_duration_seconds';
export const METRICS_TOKEN = 'scenario-token-0123456789abcdef';

export function runMetricsScenarios(name: string, factory: AppFactory, caps: AdapterCapabilities): void {
  describe(`${name} metrics adapter (shared scenarios)`, () => {
    let app: RunningApp | undefined;
    let gate: Gate | undefined;
    afterEach(async () => {
      gate?.release();
      await app?.close();
      app = undefined;
    });

    async function start(scrape: AppContext['scrape'] = {}) {
      const clock = createManualClock(0);
      gate = createGate();
      const events = createEventBus();
      const metrics = createMetrics({ registry: new Registry(), clock, events });
      app = await factory({ metrics, clock, gate, scrape });
      const base = app.baseUrl;
      const call = (path: string, init?: RequestInit) => fetch(base + path, init);
      const scrapeNow = async (): Promise<ParsedExposition> => {
        const res = await call('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        expect(res.status).toBe(200);
        return parseExposition(await res.text());
      };
      return { metrics, events, clock, gate, call, scrapeNow };
    }

    it('labels a matched route by its template, not its path', async () => {
      const { call, scrapeNow } = await start();
      for (const id of ['1', '2', 'x%20y']) expect((await call(`/users/${id}`)).status).toBe(200);
      const p = await scrapeNow();
      const labels = {
        http_request_method: 'GET',
        http_route: '/users/:id',
        http_response_status_code: '200',
      };
      expect(sampleValue(p, `${H}_count`, labels)).toBe(3);
      expect(seriesOf(p, `${H}_count`).filter((l) => l.http_route?.startsWith('/users'))).toHaveLength(1);
    });

    it('joins the mount prefix and the route template', async () => {
      const { call, scrapeNow } = await start();
      await call('/api/items/7');
      expect(sampleValue(await scrapeNow(), `${H}_count`, { http_route: '/api/items/:id' })).toBe(1);
    });

    it('records method and status code', async () => {
      const { call, scrapeNow } = await start();
      expect((await call('/login', { method: 'POST' })).status).toBe(201);
      const p = await scrapeNow();
      expect(
        sampleValue(p, `${H}_count`, {
          http_request_method: 'POST',
          http_route: '/login',
          http_response_status_code: '201',
          error_type: '',
        }),
      ).toBe(1);
    });

    it('sets error_type to the status code when the handler fails', async () => {
      const { call, scrapeNow } = await start();
      expect((await call('/boom')).status).toBe(500);
      const p = await scrapeNow();
      expect(sampleValue(p, `${H}_count`, { http_route: '/boom', error_type: '500' })).toBe(1);
    });

    it('collapses methods outside the standard set to _OTHER', async () => {
      const { call, scrapeNow } = await start();
      for (const method of ['PROPFIND', 'MKCOL', 'PURGE']) await call('/users/1', { method });
      const methods = new Set(seriesOf(await scrapeNow(), `${H}_count`).map((l) => l.http_request_method));
      expect(methods.has('PROPFIND')).toBe(false);
      expect(methods.has('_OTHER')).toBe(true);
    });

    it('folds 2,000 random unmatched paths into the one __unmatched__ series', async () => {
      const { call, scrapeNow } = await start();
      const before = seriesOf(await scrapeNow(), `${H}_count`).length;
      const paths = fc.sample(fc.webPath({ size: 'medium' }), { numRuns: 2000, seed: 8 });
      for (let i = 0; i < paths.length; i += 50) {
        await Promise.all(
          paths.slice(i, i + 50).map(async (p) => {
            const res = await call(`/nope${p.startsWith('/') ? p : `/${p}`}`);
            await res.arrayBuffer();
          }),
        );
      }
      const p = await scrapeNow();
      const series = seriesOf(p, `${H}_count`);
      // Only the __unmatched__ series (and at most one for the 400s of unparsable paths) is new.
      expect(series.length - before).toBeLessThanOrEqual(2);
      expect(series.every((l) => l.http_route === '__unmatched__' || l.http_route === '/metrics')).toBe(true);
      expect(sampleValue(p, `${H}_count`, { http_route: '__unmatched__' })).toBe(2000);
    });

    it('exposes every security and module metric on its /metrics', async () => {
      const { metrics, events, scrapeNow } = await start();
      for (const name of SECURITY_EVENT_NAMES) events.publish({ name, resource: 'login', reason: 'ERR_X' });
      metrics.recordRateLimit('api', 'allowed');
      metrics.recordTokenVerification('valid');
      metrics.recordAudit('written', 2);
      metrics.recordCircuitState('redis', 'half-open');
      const p = await scrapeNow();
      for (const name of SECURITY_EVENT_NAMES) {
        expect(sampleValue(p, 'portcullis_security_events_total', { event: name })).toBe(1);
      }
      expect(
        sampleValue(p, 'portcullis_ratelimit_decisions_total', { rule: 'login', outcome: 'limited' }),
      ).toBe(1);
      expect(
        sampleValue(p, 'portcullis_ratelimit_decisions_total', { rule: 'api', outcome: 'allowed' }),
      ).toBe(1);
      expect(
        sampleValue(p, 'portcullis_token_verifications_total', { outcome: 'invalid', reason: 'ERR_X' }),
      ).toBe(1);
      expect(sampleValue(p, 'portcullis_token_verifications_total', { outcome: 'valid' })).toBe(1);
      expect(sampleValue(p, 'portcullis_uploads_total', { outcome: 'rejected', reason: 'ERR_X' })).toBe(1);
      expect(sampleValue(p, 'portcullis_uploads_total', { outcome: 'accepted' })).toBe(1);
      expect(sampleValue(p, 'portcullis_audit_records_total', { outcome: 'written' })).toBe(2);
      expect(sampleValue(p, 'portcullis_audit_records_total', { outcome: 'dropped' })).toBe(1);
      expect(sampleValue(p, 'portcullis_store_errors_total', { store: 'login' })).toBe(1);
      expect(sampleValue(p, 'portcullis_store_circuit_state', { store: 'redis', state: 'half-open' })).toBe(
        1,
      );
      expect(p.types.get('portcullis_metrics_series_overflow_total')).toBe('counter');
    });

    it('counts requests in flight and releases them when they end', async () => {
      const { call, scrapeNow, gate } = await start();
      const held = [call('/hold'), call('/hold'), call('/hold')];
      await gate.arrived(3);
      // Three held requests plus the scrape itself.
      expect(sampleValue(await scrapeNow(), 'http_server_active_requests')).toBe(4);
      gate.release();
      await Promise.all(held.map(async (r) => (await r).text()));
      expect(sampleValue(await scrapeNow(), 'http_server_active_requests')).toBe(1);
    });

    it('measures until the response has finished, not when the handler returns', async () => {
      const { call, scrapeNow } = await start();
      expect(await (await call('/deferred')).text()).toBe('late');
      const p = await scrapeNow();
      expect(sampleValue(p, `${H}_sum`, { http_route: '/deferred' })).toBeCloseTo(0.25, 6);
    });

    it.runIf(caps.seesAborts)('records a request the client aborted with error_type="aborted"', async () => {
      const { call, scrapeNow, gate } = await start();
      const controller = new AbortController();
      const pending = call('/hold', { signal: controller.signal }).catch(() => undefined);
      await gate.arrived(1);
      controller.abort();
      await pending;
      let p = await scrapeNow();
      for (let i = 0; i < 200 && sampleValue(p, `${H}_count`, { error_type: 'aborted' }) === 0; i++) {
        await new Promise((r) => setImmediate(r));
        p = await scrapeNow();
      }
      expect(
        sampleValue(p, `${H}_count`, {
          http_route: '/hold',
          http_response_status_code: '_OTHER',
          error_type: 'aborted',
        }),
      ).toBe(1);
    });

    describe('/metrics guard', () => {
      it('refuses a scrape without the bearer token with a 401 problem', async () => {
        const { call } = await start({ token: METRICS_TOKEN });
        for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${METRICS_TOKEN}`]) {
          const res = await call('/metrics', authorization ? { headers: { authorization } } : {});
          expect(res.status).toBe(401);
          expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
          const body = (await res.json()) as { code: string };
          expect(body.code).toBe('ERR_METRICS_UNAUTHORIZED');
        }
      });

      it('serves Prometheus text 0.0.4 with the right token', async () => {
        const { call } = await start({ token: METRICS_TOKEN });
        const res = await call('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
        expect(res.headers.get('cache-control')).toBe('no-store');
        const p = parseExposition(await res.text());
        expect(p.types.get(H)).toBe('histogram');
        expect(p.types.get('portcullis_security_events_total')).toBe('counter');
      });

      it('serves OpenMetrics when the scraper asks for it', async () => {
        const { call } = await start({ token: METRICS_TOKEN });
        const res = await call('/metrics', {
          headers: {
            authorization: `Bearer ${METRICS_TOKEN}`,
            accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3',
          },
        });
        expect(res.headers.get('content-type')).toBe(
          'application/openmetrics-text; version=1.0.0; charset=utf-8',
        );
        const p = parseExposition(await res.text());
        expect(p.eof).toBe(true);
        expect(p.types.get('portcullis_security_events')).toBe('counter');
      });

      it('serves loopback without a token by default', async () => {
        const { call } = await start();
        expect((await call('/metrics')).status).toBe(200);
      });

      it('refuses an address outside the allow-list with a 403 problem', async () => {
        const { call } = await start({ allow: ['10.0.0.0/8'] });
        const res = await call('/metrics');
        expect(res.status).toBe(403);
        expect(((await res.json()) as { code: string }).code).toBe('ERR_METRICS_FORBIDDEN');
      });
    });
  });
}

/** Metrics on a fresh registry with a manual clock, for adapter tests outside the table. */
export function createTestMetrics(): Metrics {
  return createMetrics({ registry: new Registry(), clock: createManualClock(0) });
}
