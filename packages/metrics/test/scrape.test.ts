import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, createScrapeHandler, MetricsError } from '../src/index.js';

const TOKEN = 'a-long-enough-metrics-token';

function source() {
  return createMetrics({ registry: new Registry() });
}

describe('createScrapeHandler', () => {
  it('serves loopback and refuses other addresses when no token is configured', async () => {
    const scrape = createScrapeHandler({ source: source() });
    expect((await scrape({ remoteAddress: '127.0.0.1', headers: {} })).ok).toBe(true);
    expect((await scrape({ remoteAddress: '::ffff:127.0.0.1', headers: {} })).ok).toBe(true);
    expect((await scrape({ remoteAddress: '::1', headers: {} })).ok).toBe(true);
    const refused = await scrape({ remoteAddress: '203.0.113.7', headers: {} });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error).toBeInstanceOf(MetricsError);
      expect(refused.error.code).toBe('ERR_METRICS_FORBIDDEN');
      expect(refused.error.status).toBe(403);
    }
    expect((await scrape({ headers: {} })).ok).toBe(false);
  });

  it('does not let a client spoof loopback through X-Forwarded-For', async () => {
    const scrape = createScrapeHandler({ source: source() });
    const r = await scrape({ remoteAddress: '203.0.113.7', headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(r.ok).toBe(false);
  });

  it('reads the client through trusted proxies when configured', async () => {
    const scrape = createScrapeHandler({
      source: source(),
      allow: ['10.1.0.0/16'],
      clientAddress: { trustProxy: ['loopback'] },
    });
    const r = await scrape({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '10.1.2.3' } });
    expect(r.ok).toBe(true);
  });

  it('requires the bearer token when one is configured, from any address', async () => {
    const scrape = createScrapeHandler({ source: source(), token: TOKEN });
    const ok = await scrape({ remoteAddress: '203.0.113.7', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.ok).toBe(true);
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      TOKEN,
      `Basic ${TOKEN}`,
    ]) {
      const r = await scrape({ remoteAddress: '127.0.0.1', headers: authorization ? { authorization } : {} });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('ERR_METRICS_UNAUTHORIZED');
        expect(r.error.status).toBe(401);
        expect(r.error.headers['WWW-Authenticate']).toMatch(/^Bearer/);
      }
    }
  });

  it('challenges a wrong token with error="invalid_token" and a missing one with the bare challenge (RFC 6750 3.1)', async () => {
    const scrape = createScrapeHandler({ source: source(), token: TOKEN });
    const challenge = async (headers: Record<string, string>) => {
      const r = await scrape({ remoteAddress: '127.0.0.1', headers });
      return r.ok ? undefined : r.error.headers['WWW-Authenticate'];
    };
    expect(await challenge({})).toBe('Bearer realm="metrics"');
    expect(await challenge({ authorization: `Basic ${TOKEN}` })).toBe('Bearer realm="metrics"');
    expect(await challenge({ authorization: `Bearer ${TOKEN}x` })).toBe(
      'Bearer realm="metrics", error="invalid_token"',
    );
  });

  it('checks both the token and the allow-list when both are configured', async () => {
    const scrape = createScrapeHandler({ source: source(), token: TOKEN, allow: ['private'] });
    const headers = { authorization: `Bearer ${TOKEN}` };
    expect((await scrape({ remoteAddress: '192.168.1.9', headers })).ok).toBe(true);
    expect((await scrape({ remoteAddress: '203.0.113.7', headers })).ok).toBe(false);
  });

  it('refuses short tokens and bad CIDRs at start-up', () => {
    expect(() => createScrapeHandler({ source: source(), token: 'short' })).toThrow(/16 characters/);
    expect(() => createScrapeHandler({ source: source(), allow: ['10.0.0.0/99'] })).toThrow(/allow-list/);
  });

  it('answers OpenMetrics when the Accept header asks for it', async () => {
    const scrape = createScrapeHandler({ source: source() });
    const r = await scrape({
      remoteAddress: '127.0.0.1',
      headers: { accept: 'application/openmetrics-text' },
    });
    expect(r.ok && r.contentType.startsWith('application/openmetrics-text')).toBe(true);
  });
});
