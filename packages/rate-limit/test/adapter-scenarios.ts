/**
 * One scenario table for the Express, Fastify and Hono adapters, so their behaviour cannot
 * drift apart. Each adapter test starts a real server on 127.0.0.1 with the same routes and
 * calls {@link runAdapterScenarios}; requests go over loopback with fetch.
 *
 * Routes every test app serves (anything else is the framework's own 404):
 * - `POST /auth/login`, `GET /health`, `GET /items`: 200 with JSON `{ "rule": <the id of the
 *   rule stashed on the request by the adapter> }`.
 */
import { createManualClock, type RateLimitStore } from '@portcullis/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMemoryRateLimitStore,
  createRateLimitPolicy,
  LOGIN_HEALTH_DEFAULT_ZONES,
  QUOTA_EXCEEDED_TITLE,
  QUOTA_EXCEEDED_TYPE,
  type RateLimitPolicy,
  type RateLimitPolicyOptions,
} from '../src/index.js';

/** A running test app. */
export interface StartedApp {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Starts the adapter's app with the given policy, listening on 127.0.0.1 port 0. */
export type StartApp = (policy: RateLimitPolicy) => Promise<StartedApp>;

interface Step {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly times?: number;
  readonly status: number;
  /** Exact header values (names lower case), or regexes. */
  readonly expectHeaders?: Readonly<Record<string, string | RegExp | null>>;
  /** Subset of the JSON body. */
  readonly body?: Readonly<Record<string, unknown>>;
  readonly contentType?: string;
}

interface Scenario {
  readonly name: string;
  readonly policy?: Partial<RateLimitPolicyOptions>;
  readonly storeDown?: boolean;
  readonly steps: readonly Step[];
}

const PROBLEM = 'application/problem+json';
const down: RateLimitStore = {
  consume: () => Promise.reject(new Error('ECONNREFUSED')),
  refund: () => Promise.reject(new Error('ECONNREFUSED')),
  reset: () => Promise.reject(new Error('ECONNREFUSED')),
};

/** The table. */
export const ADAPTER_SCENARIOS: readonly Scenario[] = [
  {
    name: 'login zone: 5 per minute, the 6th gets a 429 problem with Retry-After and draft-10 headers',
    steps: [
      {
        method: 'POST',
        path: '/auth/login',
        status: 200,
        body: { rule: 'login' },
        expectHeaders: {
          'ratelimit-policy': '"login";q=5;w=60',
          ratelimit: '"login";r=4;t=60',
          'retry-after': null,
        },
      },
      { method: 'POST', path: '/auth/login', times: 3, status: 200 },
      { method: 'POST', path: '/auth/login', status: 200, expectHeaders: { ratelimit: '"login";r=0;t=60' } },
      {
        method: 'POST',
        path: '/auth/login',
        status: 429,
        contentType: PROBLEM,
        body: {
          type: QUOTA_EXCEEDED_TYPE,
          title: QUOTA_EXCEEDED_TITLE,
          status: 429,
          code: 'ERR_RATELIMIT_EXCEEDED',
          'violated-policies': ['login'],
          rule: 'login',
        },
        // Sliding window: the 5 hits (all at once) are a window old in 60 s, and t says so (it
        // said 72 before, above w=60).
        expectHeaders: {
          'retry-after': '60',
          ratelimit: '"login";r=0;t=60',
          'ratelimit-policy': '"login";q=5;w=60',
        },
      },
    ],
  },
  {
    name: 'login path spelled differently still hits the login zone',
    steps: [
      { method: 'POST', path: '/auth/login', times: 5, status: 200 },
      { method: 'POST', path: '/auth/login/', status: 429 },
      { method: 'POST', path: '/AUTH/login?next=/', status: 429 },
    ],
  },
  {
    name: 'health zone: 20 per minute',
    steps: [
      { method: 'GET', path: '/health', times: 19, status: 200, body: { rule: 'health' } },
      {
        method: 'GET',
        path: '/health',
        status: 200,
        expectHeaders: { 'ratelimit-policy': '"health";q=20;w=60', ratelimit: '"health";r=0;t=60' },
      },
      { method: 'GET', path: '/health', status: 429, contentType: PROBLEM },
    ],
  },
  {
    name: 'default zone: 120 per minute, unknown routes and 404s included',
    steps: [
      { method: 'GET', path: '/items', times: 60, status: 200, body: { rule: 'default' } },
      {
        method: 'GET',
        path: '/no/such/route',
        times: 59,
        status: 404,
        expectHeaders: { 'ratelimit-policy': '"default";q=120;w=60' },
      },
      { method: 'POST', path: '/health', status: 404, expectHeaders: { ratelimit: '"default";r=0;t=60' } },
      { method: 'GET', path: '/items', status: 429, contentType: PROBLEM, body: { rule: 'default' } },
      { method: 'GET', path: '/health', status: 200 },
    ],
  },
  {
    name: 'a spoofed X-Forwarded-For from an untrusted peer is ignored',
    steps: [
      ...[1, 2, 3, 4, 5].map((i) => ({
        method: 'POST' as const,
        path: '/auth/login',
        headers: { 'x-forwarded-for': `203.0.113.${i}` },
        status: 200,
      })),
      { method: 'POST', path: '/auth/login', headers: { 'x-forwarded-for': '198.51.100.77' }, status: 429 },
    ],
  },
  {
    name: 'X-Forwarded-For from a trusted proxy picks the client',
    policy: { clientAddress: { trustProxy: ['loopback'] } },
    steps: [
      {
        method: 'POST',
        path: '/auth/login',
        headers: { 'x-forwarded-for': '203.0.113.1' },
        times: 5,
        status: 200,
      },
      { method: 'POST', path: '/auth/login', headers: { 'x-forwarded-for': '203.0.113.1' }, status: 429 },
      { method: 'POST', path: '/auth/login', headers: { 'x-forwarded-for': '203.0.113.2' }, status: 200 },
    ],
  },
  {
    name: 'store down: login fails closed (503 problem), other routes count locally',
    storeDown: true,
    steps: [
      {
        method: 'POST',
        path: '/auth/login',
        status: 503,
        contentType: PROBLEM,
        body: { code: 'ERR_STORE_UNAVAILABLE', status: 503 },
        expectHeaders: { 'retry-after': /^\d+$/ },
      },
      { method: 'GET', path: '/items', status: 200, expectHeaders: { ratelimit: '"default";r=119;t=60' } },
    ],
  },
  {
    name: 'legacy headers only when asked, no headers when turned off',
    policy: {
      rules: [
        { id: 'legacy', path: '/items', limit: 2, windowMs: 60_000, headers: { legacy: true } },
        { id: 'quiet', path: '/health', limit: 1, windowMs: 60_000, headers: false },
      ],
    },
    steps: [
      {
        method: 'GET',
        path: '/items',
        status: 200,
        expectHeaders: {
          'x-ratelimit-limit': '2',
          'x-ratelimit-remaining': '1',
          'x-ratelimit-reset': /^\d+$/,
        },
      },
      {
        method: 'GET',
        path: '/health',
        status: 200,
        expectHeaders: { ratelimit: null, 'ratelimit-policy': null },
      },
      {
        method: 'GET',
        path: '/health',
        status: 429,
        expectHeaders: { ratelimit: null, 'retry-after': null },
      },
    ],
  },
];

/** Runs every scenario of the table against one adapter. */
export function runAdapterScenarios(framework: string, start: StartApp): void {
  describe(`${framework} rate-limit adapter (shared scenarios)`, () => {
    let app: StartedApp | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });
    for (const scenario of ADAPTER_SCENARIOS) {
      it(scenario.name, async () => {
        // Time is frozen at the start of a minute, so reset and Retry-After values are exact.
        const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
        const policy = createRateLimitPolicy({
          ...LOGIN_HEALTH_DEFAULT_ZONES,
          clock,
          store: scenario.storeDown ? down : createMemoryRateLimitStore({ clock }),
          ...scenario.policy,
        });
        app = await start(policy);
        for (const [index, step] of scenario.steps.entries()) {
          for (let n = 0; n < (step.times ?? 1); n++) {
            const res = await fetch(app.baseUrl + step.path, {
              method: step.method,
              headers: step.headers ?? {},
            });
            const text = await res.text();
            const where = `step ${index} (${step.method} ${step.path}) #${n + 1}`;
            expect(res.status, `${where}: ${text}`).toBe(step.status);
            if (step.contentType) expect(res.headers.get('content-type'), where).toContain(step.contentType);
            for (const [name, want] of Object.entries(step.expectHeaders ?? {})) {
              const got = res.headers.get(name);
              if (want === null) expect(got, `${where} ${name}`).toBeNull();
              else if (typeof want === 'string') expect(got, `${where} ${name}`).toBe(want);
              else expect(got, `${where} ${name}`).toMatch(want);
            }
            if (step.body) expect(JSON.parse(text), where).toMatchObject(step.body);
          }
        }
      });
    }
  });
}
