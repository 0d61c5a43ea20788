import { createEventBus, createManualClock, SECURITY_EVENT_NAMES } from '@portcullis/core';
import fc from 'fast-check';
import { Counter, Registry, register } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMetrics,
  errorTypeOf,
  normalizeMethod,
  normalizeRoute,
  normalizeStatus,
  OTEL_HTTP_DURATION_BUCKETS,
} from '../src/index.js';
import { parseExposition, sampleValue, seriesOf } from './exposition.js';

const H = 'http_server_request_duration_seconds';

async function scrape(registry: Registry) {
  return parseExposition(await registry.metrics());
}

function setup(options: Parameters<typeof createMetrics>[0] = {}) {
  const registry = new Registry();
  const clock = createManualClock(0);
  const metrics = createMetrics({ registry, clock, ...options });
  return { registry, clock, metrics };
}

describe('createMetrics', () => {
  afterEach(() => register.clear());

  it('names the duration histogram and its labels after the OTel HTTP conventions, with the 14 default buckets', async () => {
    const { registry, metrics } = setup();
    metrics.endRequest(metrics.startRequest(), 'GET', '/users/:id', 200);
    const parsed = await scrape(registry);
    expect(parsed.types.get(H)).toBe('histogram');
    const buckets = seriesOf(parsed, `${H}_bucket`).map((l) => l.le);
    expect(OTEL_HTTP_DURATION_BUCKETS).toHaveLength(14);
    expect(buckets).toEqual([...OTEL_HTTP_DURATION_BUCKETS.map(String), '+Inf']);
    expect(seriesOf(parsed, `${H}_count`)).toEqual([
      {
        http_request_method: 'GET',
        http_route: '/users/:id',
        http_response_status_code: '200',
        error_type: '',
      },
    ]);
  });

  it('measures from startRequest to endRequest with the injected clock', async () => {
    const { registry, clock, metrics } = setup();
    const t = metrics.startRequest();
    clock.advance(30);
    metrics.endRequest(t, 'POST', '/login', 201);
    const parsed = await scrape(registry);
    expect(sampleValue(parsed, `${H}_sum`)).toBeCloseTo(0.03, 9);
    expect(sampleValue(parsed, `${H}_bucket`, { le: '0.025' })).toBe(0);
    expect(sampleValue(parsed, `${H}_bucket`, { le: '0.05' })).toBe(1);
  });

  it('counts requests in flight until they end', async () => {
    const { registry, metrics } = setup();
    const a = metrics.startRequest();
    metrics.startRequest();
    expect(sampleValue(await scrape(registry), 'http_server_active_requests')).toBe(2);
    metrics.endRequest(a, 'GET', '/', 200);
    expect(sampleValue(await scrape(registry), 'http_server_active_requests')).toBe(1);
  });

  it('collapses methods outside the standard set, and lower-case ones, to _OTHER', async () => {
    const { registry, metrics } = setup();
    for (const m of ['PROPFIND', 'get', 'X'.repeat(1000)])
      metrics.endRequest(metrics.startRequest(), m, '/', 200);
    const methods = seriesOf(await scrape(registry), `${H}_count`).map((l) => l.http_request_method);
    expect(methods).toEqual(['_OTHER']);
  });

  it('labels unmatched requests __unmatched__ and sets error_type for 5xx and aborts', async () => {
    const { registry, metrics } = setup();
    metrics.endRequest(metrics.startRequest(), 'GET', undefined, 404);
    metrics.endRequest(metrics.startRequest(), 'GET', '/boom', 503);
    metrics.endRequest(metrics.startRequest(), 'GET', '/slow', 200, 'aborted');
    const series = seriesOf(await scrape(registry), `${H}_count`);
    expect(series).toContainEqual(expect.objectContaining({ http_route: '__unmatched__', error_type: '' }));
    expect(series).toContainEqual(expect.objectContaining({ http_route: '/boom', error_type: '503' }));
    expect(series).toContainEqual(expect.objectContaining({ http_route: '/slow', error_type: 'aborted' }));
  });

  it('folds series past the budget into one __overflow__ series and counts each folded observation', async () => {
    const { registry, metrics } = setup({ seriesBudget: 3 });
    for (let i = 0; i < 10; i++) metrics.endRequest(metrics.startRequest(), 'GET', `/r${i}`, 200);
    const parsed = await scrape(registry);
    const routes = seriesOf(parsed, `${H}_count`).map((l) => l.http_route);
    expect(routes).toEqual(['/r0', '/r1', '/r2', '__overflow__']);
    expect(sampleValue(parsed, `${H}_count`, { http_route: '__overflow__' })).toBe(7);
    expect(sampleValue(parsed, 'portcullis_metrics_series_overflow_total', { metric: H })).toBe(7);
  });

  it('keeps counting every observation folded into the overflow series', async () => {
    const { registry, metrics } = setup({ seriesBudget: 1 });
    metrics.endRequest(metrics.startRequest(), 'GET', '/a', 200);
    for (let i = 0; i < 3; i++) metrics.endRequest(metrics.startRequest(), 'GET', '/b', 200);
    const parsed = await scrape(registry);
    expect(sampleValue(parsed, 'portcullis_metrics_series_overflow_total', { metric: H })).toBe(3);
  });

  it('labels any request exactly as the normalisers say, whatever the method, route and status', async () => {
    const method = fc.oneof(
      fc.constantFrom('GET', 'POST', 'get', 'PROPFIND', ''),
      fc.string({ maxLength: 8 }),
    );
    const route = fc.option(fc.constantFrom('/a', '/b/:id', '', '/'), { nil: undefined });
    const status = fc.oneof(fc.constantFrom(200, 404, 500, 503, 99, 600, 200.5, Number.NaN), fc.integer());
    const errorType = fc.option(fc.constantFrom('aborted', ''), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(method, route, status, errorType), { maxLength: 30 }),
        async (calls) => {
          const { registry, metrics } = setup();
          const expected = new Map<string, number>();
          for (const [m, r, s, e] of calls) {
            metrics.endRequest(metrics.startRequest(), m, r, s, e);
            const key = [normalizeMethod(m), normalizeRoute(r), normalizeStatus(s), errorTypeOf(s, e)].join(
              ' ',
            );
            expected.set(key, (expected.get(key) ?? 0) + 1);
          }
          const got = new Map<string, number>();
          for (const sample of (await scrape(registry)).samples) {
            if (sample.name !== `${H}_count`) continue;
            const l = sample.labels;
            got.set(
              [l.http_request_method, l.http_route, l.http_response_status_code, l.error_type].join(' '),
              sample.value,
            );
          }
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('returns the same metrics when created twice on one registry (hot reload) and does not throw', () => {
    const registry = new Registry();
    const a = createMetrics({ registry });
    expect(createMetrics({ registry })).toBe(a);
  });

  it('adopts the collectors already registered when our module is evaluated again', async () => {
    const registry = new Registry();
    createMetrics({ registry }).recordRateLimit('login', 'limited');
    // A re-evaluated module has lost its state but the registry still holds the collectors.
    delete (registry as unknown as Record<symbol, unknown>)[Symbol.for('portcullis.metrics.state')];
    const again = createMetrics({ registry });
    again.recordRateLimit('login', 'limited');
    const parsed = await scrape(registry);
    expect(
      sampleValue(parsed, 'portcullis_ratelimit_decisions_total', { rule: 'login', outcome: 'limited' }),
    ).toBe(2);
  });

  it('refuses a name already taken by a metric of another type', () => {
    const registry = new Registry();
    new Counter({ name: 'http_server_request_duration_seconds', help: 'x', registers: [registry] });
    expect(() => createMetrics({ registry })).toThrow(/already registered as a counter/);
  });

  it('registers into a user-supplied registry and leaves the global one alone', async () => {
    const { registry } = setup();
    expect(registry.getSingleMetric(H)).toBeDefined();
    expect(register.getSingleMetric(H)).toBeUndefined();
  });

  it('defaults to the global registry', () => {
    createMetrics();
    expect(register.getSingleMetric(H)).toBeDefined();
  });

  it('prefixes every name', async () => {
    const { registry } = setup({ prefix: 'app_' });
    expect(registry.getSingleMetric(`app_${H}`)).toBeDefined();
    expect(registry.getSingleMetric('app_portcullis_security_events_total')).toBeDefined();
    expect(() => createMetrics({ registry, prefix: 'bad-prefix' })).toThrow(/prefix/);
  });

  it('refuses nonsense budgets and buckets', () => {
    expect(() => createMetrics({ registry: new Registry(), seriesBudget: 0 })).toThrow(/seriesBudget/);
    expect(() => createMetrics({ registry: new Registry(), buckets: [1, 0.5] })).toThrow(/buckets/);
  });

  it('collects process metrics only when asked, and only once', async () => {
    const off = setup();
    expect(off.registry.getSingleMetric('process_cpu_seconds_total')).toBeUndefined();
    const registry = new Registry();
    createMetrics({ registry, collectProcessMetrics: true });
    delete (registry as unknown as Record<symbol, unknown>)[Symbol.for('portcullis.metrics.state')];
    expect(() => createMetrics({ registry, collectProcessMetrics: true })).not.toThrow();
    expect(registry.getSingleMetric('process_cpu_seconds_total')).toBeDefined();
  });
});

describe('security metrics', () => {
  it('starts every security event name at 0', async () => {
    const { registry } = setup();
    const events = seriesOf(await scrape(registry), 'portcullis_security_events_total').map((l) => l.event);
    expect(events.sort()).toEqual([...SECURITY_EVENT_NAMES].sort());
  });

  it('counts every event published on the bus by name, once per bus', async () => {
    const events = createEventBus();
    const { registry, metrics } = setup({ events });
    metrics.subscribe(events);
    for (const name of SECURITY_EVENT_NAMES) events.publish({ name });
    events.publish({ name: 'authn_login_fail' });
    const parsed = await scrape(registry);
    for (const name of SECURITY_EVENT_NAMES) {
      expect(sampleValue(parsed, 'portcullis_security_events_total', { event: name })).toBe(
        name === 'authn_login_fail' ? 2 : 1,
      );
    }
  });

  it('stops counting after unsubscribe', async () => {
    const events = createEventBus();
    const { registry, metrics } = setup();
    const off = metrics.subscribe(events);
    off();
    events.publish({ name: 'authz_fail' });
    expect(
      sampleValue(await scrape(registry), 'portcullis_security_events_total', { event: 'authz_fail' }),
    ).toBe(0);
  });

  it('derives the module counters from the events', async () => {
    const events = createEventBus();
    const { registry } = setup({ events });
    events.publish({ name: 'ratelimit_exceeded', resource: 'login' });
    events.publish({ name: 'authn_token_invalid', reason: 'ERR_TOKEN_EXPIRED' });
    events.publish({ name: 'authn_token_reuse' });
    events.publish({ name: 'upload_rejected', reason: 'ERR_MIME_REJECTED' });
    events.publish({ name: 'upload_stored' });
    events.publish({ name: 'sys_audit_dropped', attributes: { dropped: 5 } });
    events.publish({ name: 'sys_audit_error' });
    events.publish({ name: 'sys_store_unavailable', resource: 'redis' });
    const p = await scrape(registry);
    expect(
      sampleValue(p, 'portcullis_ratelimit_decisions_total', { rule: 'login', outcome: 'limited' }),
    ).toBe(1);
    expect(
      sampleValue(p, 'portcullis_token_verifications_total', {
        outcome: 'invalid',
        reason: 'ERR_TOKEN_EXPIRED',
      }),
    ).toBe(1);
    expect(
      sampleValue(p, 'portcullis_token_verifications_total', { outcome: 'reuse', reason: 'unknown' }),
    ).toBe(1);
    expect(
      sampleValue(p, 'portcullis_uploads_total', { outcome: 'rejected', reason: 'ERR_MIME_REJECTED' }),
    ).toBe(1);
    expect(sampleValue(p, 'portcullis_uploads_total', { outcome: 'accepted', reason: 'none' })).toBe(1);
    expect(sampleValue(p, 'portcullis_audit_records_total', { outcome: 'dropped' })).toBe(5);
    expect(sampleValue(p, 'portcullis_audit_records_total', { outcome: 'error' })).toBe(1);
    expect(sampleValue(p, 'portcullis_store_errors_total', { store: 'redis' })).toBe(1);
    expect(sampleValue(p, 'portcullis_store_circuit_state', { store: 'redis', state: 'open' })).toBe(1);
    events.publish({ name: 'sys_store_recovered', resource: 'redis' });
    const q = await scrape(registry);
    expect(sampleValue(q, 'portcullis_store_circuit_state', { store: 'redis', state: 'open' })).toBe(0);
    expect(sampleValue(q, 'portcullis_store_circuit_state', { store: 'redis', state: 'closed' })).toBe(1);
  });

  it('records the outcomes that have no event through the recording functions', async () => {
    const { registry, metrics } = setup();
    metrics.recordRateLimit('api', 'allowed');
    metrics.recordRateLimit('api', 'allowed');
    metrics.recordTokenVerification('valid');
    metrics.recordUpload('accepted');
    metrics.recordUpload('rejected', 'ERR_MIME_EXECUTABLE');
    metrics.recordAudit('written', 3);
    metrics.recordAudit('written', -1);
    metrics.recordStoreError('redis');
    metrics.recordCircuitState('redis', 'half-open');
    const p = await scrape(registry);
    expect(sampleValue(p, 'portcullis_ratelimit_decisions_total', { rule: 'api', outcome: 'allowed' })).toBe(
      2,
    );
    expect(sampleValue(p, 'portcullis_token_verifications_total', { outcome: 'valid', reason: 'none' })).toBe(
      1,
    );
    expect(
      sampleValue(p, 'portcullis_uploads_total', { outcome: 'rejected', reason: 'ERR_MIME_EXECUTABLE' }),
    ).toBe(1);
    expect(sampleValue(p, 'portcullis_audit_records_total', { outcome: 'written' })).toBe(3);
    expect(sampleValue(p, 'portcullis_store_errors_total', { store: 'redis' })).toBe(1);
    expect(sampleValue(p, 'portcullis_store_circuit_state', { store: 'redis', state: 'half-open' })).toBe(1);
  });

  it('holds attacker-influenced labels (rule, reason) to the series budget', async () => {
    const { registry, metrics } = setup({ seriesBudget: 5 });
    for (let i = 0; i < 100; i++) metrics.recordUpload('rejected', `reason-${i}`);
    const p = await scrape(registry);
    expect(seriesOf(p, 'portcullis_uploads_total')).toHaveLength(6);
    expect(sampleValue(p, 'portcullis_uploads_total', { reason: '__overflow__' })).toBe(95);
    expect(
      sampleValue(p, 'portcullis_metrics_series_overflow_total', { metric: 'portcullis_uploads_total' }),
    ).toBe(95);
  });
});
