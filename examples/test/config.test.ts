import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.ts';

describe('readConfig', () => {
  it('runs with nothing set: Fastify on 3000, memory stores, console mailer, loopback-only metrics', () => {
    const c = readConfig({});
    expect(c).toMatchObject({ framework: 'fastify', port: 3000, workers: 1, trustProxy: [] });
    expect(c.redisUrl).toBeUndefined();
    expect(c.smtpUrl).toBeUndefined();
    expect(c.metricsToken).toBeUndefined();
    expect(c.demoUser.username).toBe('demo');
  });

  it('reads every documented variable', () => {
    const c = readConfig({
      FRAMEWORK: 'hono',
      PORT: '8080',
      WORKERS: '4',
      REDIS_URL: 'redis://r:6379',
      REDIS_PREFIX: 'x:',
      SMTP_URL: 'smtp://mail:25',
      AUDIT_DIR: '/var/audit',
      METRICS_TOKEN: 'a-long-enough-token',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
    });
    expect(c).toMatchObject({
      framework: 'hono',
      port: 8080,
      workers: 4,
      redisUrl: 'redis://r:6379',
      redisPrefix: 'x:',
      smtpUrl: 'smtp://mail:25',
      auditDir: '/var/audit',
      metricsToken: 'a-long-enough-token',
      trustProxy: ['loopback', '10.0.0.0/8'],
      publicUrl: 'http://localhost:8080',
    });
  });

  it('bounds slow clients by default (60 s a request, 10 s its headers, never more than the request)', () => {
    expect(readConfig({})).toMatchObject({ requestTimeoutMs: 60_000, headersTimeoutMs: 10_000 });
    expect(readConfig({ REQUEST_TIMEOUT_MS: '2000', HEADERS_TIMEOUT_MS: '5000' })).toMatchObject({
      requestTimeoutMs: 2000,
      headersTimeoutMs: 2000,
    });
    expect(() => readConfig({ REQUEST_TIMEOUT_MS: '0' })).toThrow(/REQUEST_TIMEOUT_MS must be an integer/);
  });

  it('refuses an unknown framework and out-of-range numbers with a readable error', () => {
    expect(() => readConfig({ FRAMEWORK: 'koa' })).toThrow(/FRAMEWORK must be one of/);
    expect(() => readConfig({ PORT: '70000' })).toThrow(/PORT must be an integer/);
    expect(() => readConfig({ WORKERS: '0' })).toThrow(/WORKERS must be an integer/);
  });
});
