/**
 * The migration guides' side-by-side snippets (docs/migrate/*.md, copied from examples/migrate/)
 * run here: each peer app ("before") and its Portcullis equivalent ("after") start on loopback and
 * must behave alike on every point the guide claims: the limit, then 429 with Retry-After and
 * rate-limit headers; 401 without a token and with a bad one; 200 with a good one.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import * as jwtAfter from '../migrate/express-jwt/after.ts';
import * as jwtBefore from '../migrate/express-jwt/before.ts';
import * as erlAfter from '../migrate/express-rate-limit/after.ts';
import * as erlBefore from '../migrate/express-rate-limit/before.ts';
import * as fastifyAfter from '../migrate/fastify/after.ts';
import * as fastifyBefore from '../migrate/fastify/before.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listenExpress(app: Express): Promise<string> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function listenFastify(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

interface Answer {
  status: number;
  headers: Headers;
}

async function hit(base: string, method: string, path: string, times: number): Promise<Answer[]> {
  const out: Answer[] = [];
  for (let i = 0; i < times; i++) {
    const res = await fetch(
      `${base}${path}`,
      method === 'POST'
        ? { method, headers: { 'content-type': 'application/json' }, body: '{"username":"ann"}' }
        : { method },
    );
    await res.arrayBuffer();
    out.push({ status: res.status, headers: res.headers });
  }
  return out;
}

/** Logs in as ann and checks /me: 401 without a token and with a tampered one, 200 with hers. */
async function expectAuthAnswers(base: string): Promise<void> {
  const { access_token } = (await (await login(base)).json()) as { access_token: string };
  const me = (token?: string) =>
    fetch(`${base}/me`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect((await me()).status).toBe(401);
  const tampered = `${access_token.slice(0, -4)}${access_token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  expect((await me(tampered)).status).toBe(401);
  const good = await me(access_token);
  expect(good.status).toBe(200);
  expect(await good.json()).toEqual({ user: 'ann' });
}

const login = (base: string) =>
  fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"username":"ann"}',
  });

/** `r=` of a draft-8 or draft-10 `RateLimit` header: what is left. */
const remainingOf = (a: Answer) => Number(/\br=(\d+)/.exec(a.headers.get('ratelimit') ?? '')?.[1]);

/** The guide holds the snippet verbatim: what readers copy is what ran here. */
function expectGuideHolds(guide: string, ...snippets: string[]) {
  const text = readFileSync(new URL(`../../docs/migrate/${guide}`, import.meta.url), 'utf8');
  for (const file of snippets) {
    const code = readFileSync(new URL(`../migrate/${file}`, import.meta.url), 'utf8').trim();
    expect(text.includes(code), `docs/migrate/${guide} holds examples/migrate/${file} verbatim`).toBe(true);
  }
}

describe('migration from express-rate-limit', () => {
  it('the guide holds both snippets verbatim', () => {
    expectGuideHolds('express-rate-limit.md', 'express-rate-limit/before.ts', 'express-rate-limit/after.ts');
  });

  for (const [path, method, limit] of [
    ['/hello', 'GET', 10],
    ['/auth/login', 'POST', 3],
  ] as const) {
    it(`${method} ${path}: ${limit} admitted, then 429 with Retry-After and RateLimit headers, on both`, async () => {
      const before = await hit(await listenExpress(erlBefore.createApp()), method, path, limit + 1);
      const after = await hit(await listenExpress(erlAfter.createApp()), method, path, limit + 1);
      for (const answers of [before, after]) {
        expect(answers.map((a) => a.status)).toEqual([...Array(limit).fill(200), 429]);
        expect(answers[0]!.headers.get('ratelimit-policy')).toMatch(/q=\d+/);
        const retryAfter = Number(answers[limit]!.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
      const countdown = [...Array.from({ length: limit }, (_, i) => limit - 1 - i), 0];
      expect(after.map(remainingOf)).toEqual(countdown);
      // The guide's note: stacked express-rate-limit limiters leave the first one's headers, so
      // a login client reads the global quota (10), not the login one (3).
      expect(before.map(remainingOf)).toEqual(path === '/hello' ? countdown : [9, 8, 7, 6]);
    });
  }
});

describe('migration from @fastify/rate-limit and @fastify/jwt', () => {
  const secret = randomBytes(32);

  it('the guide holds both snippets verbatim', () => {
    expectGuideHolds('fastify.md', 'fastify/before.ts', 'fastify/after.ts');
  });

  it('GET /me: 401 without a token and with a bad one, 200 with a good one, on both', async () => {
    for (const base of [
      await listenFastify(await fastifyBefore.createApp(secret.toString('base64url'))),
      await listenFastify(await fastifyAfter.createApp(secret)),
    ])
      await expectAuthAnswers(base);
  });

  it('GET /hello: 10 admitted then 429 with Retry-After and the X-RateLimit-* headers, on both', async () => {
    for (const app of [await fastifyBefore.createApp('x'.repeat(32)), await fastifyAfter.createApp(secret)]) {
      const answers = await hit(await listenFastify(app), 'GET', '/hello', 11);
      expect(answers.map((a) => a.status)).toEqual([...Array(10).fill(200), 429]);
      expect(answers.map((a) => a.headers.get('x-ratelimit-limit'))).toEqual(Array(11).fill('10'));
      expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual([
        ...Array.from({ length: 10 }, (_, i) => String(9 - i)),
        '0',
      ]);
      expect(Number(answers[10]!.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it("the guide's note: a route's own jwtVerify hook runs before @fastify/rate-limit, so 401s are never limited; Portcullis limits them", async () => {
    const before = await hit(
      await listenFastify(await fastifyBefore.createApp('x'.repeat(32))),
      'GET',
      '/me',
      11,
    );
    const after = await hit(await listenFastify(await fastifyAfter.createApp(secret)), 'GET', '/me', 11);
    expect(before.map((a) => a.status)).toEqual(Array(11).fill(401));
    expect(after.map((a) => a.status)).toEqual([...Array(10).fill(401), 429]);
  });

  it('POST /auth/login: 3 admitted then 429, on both', async () => {
    for (const app of [await fastifyBefore.createApp('x'.repeat(32)), await fastifyAfter.createApp(secret)]) {
      const answers = await hit(await listenFastify(app), 'POST', '/auth/login', 4);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    }
  });
});

describe('migration from express-jwt', () => {
  const secret = randomBytes(32);

  it('the guide holds both snippets verbatim', () => {
    expectGuideHolds('express-jwt.md', 'express-jwt/before.ts', 'express-jwt/after.ts');
  });

  it('GET /me: 401 without a token and with a bad one, 200 with a good one, on both', async () => {
    for (const base of [
      await listenExpress(jwtBefore.createApp(secret.toString('base64url'))),
      await listenExpress(await jwtAfter.createApp(secret)),
    ])
      await expectAuthAnswers(base);
  });

  it("a token from the other side's issuer is refused (the guide's rollover note)", async () => {
    const beforeBase = await listenExpress(jwtBefore.createApp(secret.toString('base64url')));
    const afterBase = await listenExpress(await jwtAfter.createApp(secret));
    const { access_token } = (await (await login(beforeBase)).json()) as { access_token: string };
    const res = await fetch(`${afterBase}/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(res.status).toBe(401);
  });
});
