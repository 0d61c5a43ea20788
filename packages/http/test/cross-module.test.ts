/**
 * What one module publishes, another counts: contracts across modules, through one security
 * context, without an adapter.
 */
import { createAuditLog } from '@portcullis/audit';
import { ConfigError, createSecurityContext } from '@portcullis/core';
import { createMetrics } from '@portcullis/metrics';
import { rateLimitRules } from '@portcullis/rate-limit';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { gatedSink } from '../../audit/test/helpers.ts';
import { createPortcullisPipeline } from '../src/pipeline.js';

const counterValue = async (registry: Registry, name: string, labels: Record<string, string>) => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const v = (metric?.values as { labels: Record<string, string>; value: number }[] | undefined)?.find((x) =>
    Object.entries(labels).every(([k, val]) => x.labels[k] === val),
  );
  return v?.value ?? 0;
};

describe('one security context across modules', () => {
  it('finding 5: records the audit log drops are counted as dropped by metrics, by their number (5 drops read 5)', async () => {
    const context = createSecurityContext();
    const registry = new Registry();
    createMetrics({ context, registry });
    const sink = gatedSink();
    const log = createAuditLog({
      app: 'a',
      sink,
      key: null,
      context,
      maxQueue: 3,
      batchSize: 3,
      overflow: 'drop',
    });
    for (let i = 0; i < 3; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
    const writing = log.flush();
    // 3 fit in the emptied queue, 5 are dropped.
    for (let i = 3; i < 11; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
    expect(log.stats().dropped).toBe(5);
    sink.open();
    await writing;
    await log.flush();
    expect(await counterValue(registry, 'portcullis_audit_records_total', { outcome: 'dropped' })).toBe(5);
  });

  it('one trust configuration reaches the rate limiter and the scrape guard of the pipeline', async () => {
    const context = createSecurityContext({ trustProxy: ['loopback'] });
    const pipeline = createPortcullisPipeline({
      context,
      rateLimit: rateLimitRules({ rules: [], defaultRule: { id: 'default', limit: 1, windowMs: 60_000 } }),
      metrics: createMetrics({ context, registry: new Registry() }),
    });
    const from = (client: string, routedPath = '/x') =>
      pipeline.begin({
        method: 'GET',
        routedPath,
        headers: { 'x-forwarded-for': client },
        remoteAddress: '127.0.0.1',
      });
    expect((await pipeline.admit(from('198.51.100.1'))).refusal).toBeUndefined();
    expect((await pipeline.admit(from('198.51.100.1'))).refusal?.status).toBe(429);
    expect((await pipeline.admit(from('198.51.100.2'))).refusal).toBeUndefined();
    // The scrape path is outside rate limiting; its guard sees the forwarded client, not the proxy.
    expect((await pipeline.admit(from('198.51.100.1', '/metrics'))).refusal).toBeUndefined();
    const scraped = await pipeline.scrape(from('198.51.100.1', '/metrics'));
    expect(scraped.ok).toBe(false);
    expect((await pipeline.scrape(from('127.0.0.1', '/metrics'))).ok).toBe(true);
  });

  it('Express-style trust adopted by the context reaches every module; an explicit context trust wins', () => {
    const bare = createSecurityContext();
    expect(bare.adoptTrustProxy((a) => a === '127.0.0.1', 'test')).toBe(true);
    const input = { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.1' } };
    expect(bare.clientAddress(input).address).toBe('203.0.113.1');
    const explicit = createSecurityContext({ trustProxy: false });
    expect(explicit.adoptTrustProxy(() => true, 'test')).toBe(false);
    expect(explicit.clientAddress(input).address).toBe('127.0.0.1');
  });

  it('a platform header is the peer only where the runtime gives no socket, and never a client-written header', () => {
    const context = createSecurityContext({ clientAddressHeader: 'cf-connecting-ip' });
    expect(context.clientAddress({ headers: { 'cf-connecting-ip': '203.0.113.7' } }).address).toBe(
      '203.0.113.7',
    );
    expect(
      context.clientAddress({ remoteAddress: '192.0.2.1', headers: { 'cf-connecting-ip': '203.0.113.7' } })
        .address,
    ).toBe('192.0.2.1');
    expect(() => createSecurityContext({ clientAddressHeader: 'x-forwarded-for' })).toThrow(ConfigError);
  });
});
