import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DurationHistogram } from '../src/duration-histogram.js';
import { createMetrics, OTEL_HTTP_DURATION_BUCKETS } from '../src/index.js';

const buckets = [...OTEL_HTTP_DURATION_BUCKETS];
const labelNames = ['http_request_method', 'http_route', 'http_response_status_code', 'error_type'];

/** Our collector and prom-client's Histogram (the oracle), each in its own registry. */
function pair() {
  const oursRegistry = new Registry();
  const theirsRegistry = new Registry();
  const ours = new DurationHistogram({ name: 'd_seconds', help: 'd', labelNames, buckets });
  oursRegistry.registerMetric(ours as never);
  const theirs = new Histogram({
    name: 'd_seconds',
    help: 'd',
    labelNames,
    buckets,
    registers: [theirsRegistry],
  });
  return { ours, theirs, oursRegistry, theirsRegistry };
}

describe('DurationHistogram against prom-client Histogram (differential)', () => {
  it('renders the same text and JSON after the same observations, resets included', async () => {
    const labelSets = [
      {
        http_request_method: 'GET',
        http_route: '/users/:id',
        http_response_status_code: '200',
        error_type: '',
      },
      { http_request_method: 'POST', http_route: '/login', http_response_status_code: '401', error_type: '' },
      {
        http_request_method: '_OTHER',
        http_route: '__unmatched__',
        http_response_status_code: '500',
        error_type: '500',
      },
    ];
    const value = fc.oneof(fc.constantFrom(...buckets, 0), fc.double({ min: 0, max: 30, noNaN: true }));
    const op = fc.oneof(
      { weight: 20, arbitrary: fc.tuple(fc.integer({ min: 0, max: 2 }), value) },
      { weight: 1, arbitrary: fc.constant('reset' as const) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const { ours, theirs, oursRegistry, theirsRegistry } = pair();
        const handles = labelSets.map((l) => ours.series(l));
        for (const o of ops) {
          if (o === 'reset') {
            oursRegistry.resetMetrics();
            theirsRegistry.resetMetrics();
          } else {
            ours.observe(handles[o[0]]!, o[1]);
            theirs.observe(labelSets[o[0]]!, o[1]);
          }
        }
        expect(await oursRegistry.metrics()).toBe(await theirsRegistry.metrics());
        expect(await oursRegistry.getMetricsAsJSON()).toEqual(await theirsRegistry.getMetricsAsJSON());
      }),
      { numRuns: 200 },
    );
  });
});

describe('the HTTP histogram hot path (issue 18)', () => {
  it('records a request without prom-client observe: no label hash, no closure per request', () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    const observe = Histogram.prototype.observe;
    let calls = 0;
    Histogram.prototype.observe = function (this: Histogram, ...args: Parameters<Histogram['observe']>) {
      calls++;
      return observe.apply(this, args);
    } as Histogram['observe'];
    try {
      for (let i = 0; i < 100; i++) metrics.endRequest(metrics.startRequest(), 'GET', '/users/:id', 200);
    } finally {
      Histogram.prototype.observe = observe;
    }
    expect(calls).toBe(0);
  });

  it('still renders every request in the scrape', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    for (let i = 0; i < 7; i++) metrics.endRequest(metrics.startRequest(), 'GET', '/users/:id', 200);
    metrics.endRequest(metrics.startRequest(), 'GET', undefined, 404);
    const text = await registry.metrics();
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/users\/:id",http_response_status_code="200",error_type=""\} 7/,
    );
    expect(text).toMatch(/http_route="__unmatched__",http_response_status_code="404",error_type=""\} 1/);
  });
});
