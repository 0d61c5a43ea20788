import fc from 'fast-check';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  createMetrics,
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderRegistry,
} from '../src/index.js';
import { parseExposition, sampleValue } from './exposition.js';

describe('negotiateFormat', () => {
  it.each([
    [undefined, 'prometheus'],
    ['', 'prometheus'],
    ['text/plain', 'prometheus'],
    ['*/*', 'prometheus'],
    // What Prometheus 2.x/3.x sends.
    [
      'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      'openmetrics',
    ],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text;q=0.2, text/plain', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    ['application/openmetrics-text;q=banana', 'prometheus'],
    [`application/openmetrics-text, ${'x'.repeat(2000)}`, 'prometheus'],
  ] as const)('reads %s as %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });

  it('never throws and always answers one of the two formats, whatever the header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 1500 }), (accept) => {
        expect(['prometheus', 'openmetrics']).toContain(negotiateFormat(accept));
      }),
    );
  });
});

describe('renderRegistry', () => {
  it('renders Prometheus text 0.0.4 by default', async () => {
    const registry = new Registry();
    createMetrics({ registry }).recordRateLimit('login', 'limited');
    const out = await renderRegistry(registry, 'prometheus');
    expect(out.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(out.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const parsed = parseExposition(out.body);
    expect(parsed.eof).toBe(false);
    expect(sampleValue(parsed, 'portcullis_ratelimit_decisions_total', { rule: 'login' })).toBe(1);
  });

  it('renders OpenMetrics 1.0.0 with counter families named without _total, then Prometheus unchanged', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    metrics.recordRateLimit('login', 'limited');
    metrics.endRequest(metrics.startRequest(), 'GET', '/', 200);
    const open = await metrics.scrape('openmetrics');
    expect(open.contentType).toBe(OPENMETRICS_CONTENT_TYPE);
    const parsed = parseExposition(open.body);
    expect(parsed.eof).toBe(true);
    expect(parsed.types.get('portcullis_ratelimit_decisions')).toBe('counter');
    expect(sampleValue(parsed, 'portcullis_ratelimit_decisions_total', { rule: 'login' })).toBe(1);
    expect(parsed.types.get('http_server_request_duration_seconds')).toBe('histogram');
    // prom-client renames counters in place when it renders OpenMetrics; ours must not leak.
    const prom = parseExposition((await metrics.scrape('prometheus')).body);
    expect(prom.types.get('portcullis_ratelimit_decisions_total')).toBe('counter');
    expect(registry.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
  });

  it('round-trips any label value through the exposition escaping', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (value) => {
        const registry = new Registry();
        const c = new Counter({ name: 'x_total', help: 'x', labelNames: ['v'], registers: [registry] });
        c.inc({ v: value });
        const parsed = parseExposition((await renderRegistry(registry, 'prometheus')).body);
        expect(parsed.samples[0]?.labels.v).toBe(value);
      }),
      { numRuns: 200 },
    );
  });
});
