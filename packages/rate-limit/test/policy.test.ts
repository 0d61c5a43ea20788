import { createEventBus, createManualClock, type SecurityEvent } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import {
  createMemoryRateLimitStore,
  createRateLimitPolicy,
  LOGIN_HEALTH_DEFAULT_ZONES,
  QUOTA_EXCEEDED_TYPE,
} from '../src/index.js';

const peer = (remoteAddress: string, headers: Record<string, string> = {}) => ({ remoteAddress, headers });

function setup(extra: Partial<Parameters<typeof createRateLimitPolicy>[0]> = {}) {
  const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 1));
  const events = createEventBus({ clock });
  const seen: SecurityEvent[] = [];
  events.subscribe((e) => {
    seen.push(e);
  });
  const policy = createRateLimitPolicy({ ...LOGIN_HEALTH_DEFAULT_ZONES, clock, events, ...extra });
  return { clock, events, seen, policy };
}

describe('createRateLimitPolicy', () => {
  it('refuses the 6th login when the limit is 5', async () => {
    const { policy } = setup();
    const out: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      out.push(
        (await policy.check({ method: 'POST', path: '/auth/login', client: peer('192.0.2.1') })).allowed,
      );
    }
    expect(out).toEqual([true, true, true, true, true, false]);
  });

  it('matches the three preset zones, first match wins, default for everything else', () => {
    const { policy } = setup();
    expect(policy.match('POST', '/auth/login')).toBe('login');
    expect(policy.match('GET', '/auth/login')).toBe('default');
    expect(policy.match('GET', '/health')).toBe('health');
    expect(policy.match('GET', '/no/such/route')).toBe('default');
  });

  it('cannot be bypassed by spelling the login path differently', () => {
    const { policy } = setup();
    for (const p of [
      '/auth/login/',
      '//auth//login',
      '/AUTH/Login',
      '/auth/%6Cogin',
      '/auth/login?x=1',
      '/auth/login#f',
      'http://api.example/auth/login',
      'HTTPS://x:1/auth/login?y',
    ]) {
      expect(policy.match('post', p), p).toBe('login');
    }
  });

  it('sends draft-10 headers on every answer and a 429 problem on refusal', async () => {
    const { policy, clock } = setup();
    const first = await policy.check({ method: 'POST', path: '/auth/login', client: peer('192.0.2.1') });
    expect(first.headers).toEqual({ 'RateLimit-Policy': '"login";q=5;w=60', RateLimit: '"login";r=4;t=60' });
    for (let i = 0; i < 4; i++)
      await policy.check({ method: 'POST', path: '/auth/login', client: peer('192.0.2.1') });
    clock.advance(17_000);
    const refused = await policy.check({ method: 'POST', path: '/auth/login', client: peer('192.0.2.1') });
    expect(refused.allowed).toBe(false);
    expect(refused.headers.RateLimit).toMatch(/^"login";r=0;t=\d+$/);
    expect(refused.headers['Retry-After']).toBe(String(Math.ceil(refused.retryAfterMs / 1000)));
    expect(refused.headers.RateLimit).toBe(`"login";r=0;t=${refused.headers['Retry-After']}`);
    const err = refused.error!;
    expect(err.status).toBe(429);
    expect(err.headers).toBe(refused.headers);
    // draft-ietf-httpapi-ratelimit-headers-10 section 6.1: the registered title, and the violated
    // policies named by the names they carry in RateLimit-Policy.
    expect(err.toProblem()).toMatchObject({
      type: QUOTA_EXCEEDED_TYPE,
      title: 'Request cannot be satisfied as assigned quota has been exceeded',
      status: 429,
      code: 'ERR_RATELIMIT_EXCEEDED',
      'violated-policies': ['login'],
      rule: 'login',
    });
  });

  it('a client that waits the t of an r=0 answer is admitted (the sliding-window t is the truth)', async () => {
    // The finding: "login";r=0;t=40, a retry 40.5 s later got 429 with Retry-After: 12.
    const { policy, clock } = setup();
    const ask = () => policy.check({ method: 'POST', path: '/auth/login', client: peer('192.0.2.9') });
    clock.advance(20_000);
    let last = await ask();
    for (let i = 0; i < 4; i++) last = await ask();
    expect(last.allowed).toBe(true);
    const t = Number(/;t=(\d+)$/.exec(last.headers.RateLimit!)![1]);
    expect(last.headers.RateLimit).toBe(`"login";r=0;t=${t}`);
    expect(t).toBeLessThanOrEqual(60);
    clock.advance(t * 1000 - 1_000);
    expect((await ask()).allowed).toBe(false);
    clock.advance(1_000);
    expect((await ask()).allowed).toBe(true);
  });

  it('counts per client address, and an untrusted peer cannot choose its address with X-Forwarded-For', async () => {
    const { policy } = setup();
    for (let i = 0; i < 5; i++) {
      await policy.check({
        method: 'POST',
        path: '/auth/login',
        client: peer('192.0.2.1', { 'x-forwarded-for': `10.0.0.${i}` }),
      });
    }
    const d = await policy.check({
      method: 'POST',
      path: '/auth/login',
      client: peer('192.0.2.1', { 'x-forwarded-for': '10.9.9.9' }),
    });
    expect(d.allowed).toBe(false);
    expect(d.clientAddress).toBe('192.0.2.1');
    expect(
      (await policy.check({ method: 'POST', path: '/auth/login', client: peer('192.0.2.2') })).allowed,
    ).toBe(true);
  });

  it('reads X-Forwarded-For from a trusted proxy', async () => {
    const { policy } = setup({ clientAddress: { trustProxy: ['loopback'] } });
    const d = await policy.check({
      method: 'GET',
      path: '/',
      client: peer('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }),
    });
    expect(d.clientAddress).toBe('203.0.113.7');
  });

  it('groups IPv6 clients by /64 and IPv4-mapped addresses with their IPv4 form', async () => {
    const { policy } = setup();
    for (let i = 1; i <= 5; i++)
      await policy.check({ method: 'POST', path: '/auth/login', client: peer(`2001:db8:1:2::${i}`) });
    expect(
      (await policy.check({ method: 'POST', path: '/auth/login', client: peer('2001:db8:1:2:ffff::9') }))
        .allowed,
    ).toBe(false);
    for (let i = 0; i < 5; i++)
      await policy.check({ method: 'POST', path: '/auth/login', client: peer('198.51.100.4') });
    expect(
      (await policy.check({ method: 'POST', path: '/auth/login', client: peer('::ffff:198.51.100.4') }))
        .allowed,
    ).toBe(false);
  });

  it('publishes ratelimit_exceeded on every refusal', async () => {
    const { policy, seen } = setup();
    for (let i = 0; i < 7; i++)
      await policy.check({ method: 'POST', path: '/auth/login', client: peer('192.0.2.1') });
    const refusals = seen.filter((e) => e.name === 'ratelimit_exceeded');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatchObject({
      resource: 'login',
      clientAddress: '192.0.2.1',
      reason: 'ERR_RATELIMIT_EXCEEDED',
      level: 'warn',
    });
  });

  it('refuses from the block cache without asking the store again', async () => {
    const inner = createMemoryRateLimitStore();
    let calls = 0;
    const store = {
      ...inner,
      consume: (...a: Parameters<typeof inner.consume>) => {
        calls++;
        return inner.consume(...a);
      },
    };
    const { policy } = setup({ store });
    for (let i = 0; i < 10; i++)
      await policy.check({ method: 'POST', path: '/auth/login', client: peer('192.0.2.1') });
    expect(calls).toBe(6);
  });

  it('keys by user when asked, and hashes long keys', async () => {
    const { policy } = setup({
      rules: [
        {
          id: 'api',
          path: '/api/*',
          key: 'user',
          limit: 2,
          windowMs: 60_000,
          headers: { partitionKey: true },
        },
      ],
    });
    const long = 'u'.repeat(500);
    await policy.check({ method: 'GET', path: '/api/a', client: peer('192.0.2.1'), userId: long });
    await policy.check({ method: 'GET', path: '/api/b', client: peer('192.0.2.2'), userId: long });
    const d = await policy.check({ method: 'GET', path: '/api', client: peer('192.0.2.3'), userId: long });
    expect(d.allowed).toBe(false);
    expect(d.headers.RateLimit).toMatch(/^"api";r=0;t=\d+;pk=:[A-Za-z0-9+/]{16}:$/);
    expect(d.headers.RateLimit).not.toContain('192.0.2');
  });

  it('keys by a function, and falls back to the client address when it returns undefined or no user is known', async () => {
    const { policy } = setup({
      rules: [
        {
          id: 'tenant',
          path: '/t/*',
          limit: 1,
          windowMs: 60_000,
          key: (req) => (req.path.startsWith('/t/acme') ? 'acme' : undefined),
        },
        { id: 'me', path: '/me', key: 'user', limit: 1, windowMs: 60_000 },
      ],
    });
    expect(
      (await policy.check({ method: 'GET', path: '/t/acme/1', client: peer('192.0.2.1') })).allowed,
    ).toBe(true);
    // Same tenant from another address: the function's key is shared.
    expect(
      (await policy.check({ method: 'GET', path: '/t/acme/2', client: peer('192.0.2.2') })).allowed,
    ).toBe(false);
    // No tenant: keyed by address.
    expect((await policy.check({ method: 'GET', path: '/t/other', client: peer('192.0.2.1') })).allowed).toBe(
      true,
    );
    expect((await policy.check({ method: 'GET', path: '/t/other', client: peer('192.0.2.3') })).allowed).toBe(
      true,
    );
    // `user` without a user id: keyed by address, so anonymous clients do not share one bucket.
    expect((await policy.check({ method: 'GET', path: '/me', client: peer('192.0.2.1') })).allowed).toBe(
      true,
    );
    expect((await policy.check({ method: 'GET', path: '/me', client: peer('192.0.2.2') })).allowed).toBe(
      true,
    );
    expect((await policy.check({ method: 'GET', path: '/me', client: peer('192.0.2.2') })).allowed).toBe(
      false,
    );
  });

  it('sends legacy X-RateLimit-* only when asked, and nothing when headers are off', async () => {
    const { policy, clock } = setup({
      rules: [
        {
          id: 'legacy',
          path: '/legacy',
          limit: 3,
          windowMs: 60_000,
          headers: { legacy: true, draft: false },
        },
        { id: 'quiet', path: '/quiet', limit: 1, windowMs: 60_000, headers: false },
      ],
    });
    const d = await policy.check({ method: 'GET', path: '/legacy', client: peer('192.0.2.1') });
    expect(d.headers).toEqual({
      'X-RateLimit-Limit': '3',
      'X-RateLimit-Remaining': '2',
      'X-RateLimit-Reset': String(Math.ceil((clock.now() + d.resetMs) / 1000)),
    });
    await policy.check({ method: 'GET', path: '/quiet', client: peer('192.0.2.1') });
    const q = await policy.check({ method: 'GET', path: '/quiet', client: peer('192.0.2.1') });
    expect(q.allowed).toBe(false);
    expect(q.headers).toEqual({});
  });

  it('refuses bad configuration at start-up', () => {
    expect(() => setup({ rules: [{ id: 'bad id"', limit: 1, windowMs: 1000 }] })).toThrow(/rule id/);
    expect(() => setup({ rules: [{ id: 'a', limit: 0, windowMs: 1000 }] })).toThrow(/limit/);
    expect(() => setup({ rules: [{ id: 'a', limit: 1, windowMs: 1.5 }] })).toThrow(/windowMs/);
    expect(() => setup({ rules: [{ id: 'default', limit: 1, windowMs: 1000 }] })).toThrow(/duplicate/);
    expect(() =>
      setup({ rules: [{ id: 'a', limit: 1, windowMs: 1000, algorithm: 'leaky' as 'gcra' }] }),
    ).toThrow(/algorithm/);
  });
});
