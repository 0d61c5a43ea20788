import { ConfigError, createSecurityContext } from '@portcullis/core';
import {
  portcullis as expressPortcullis,
  rateLimit as expressRateLimit,
  requireAuth as expressRequireAuth,
} from '@portcullis/express';
import {
  portcullis as fastifyPortcullis,
  requireAuth as fastifyRequireAuth,
  rateLimitPlugin,
} from '@portcullis/fastify';
import {
  portcullis as honoPortcullis,
  rateLimit as honoRateLimit,
  requireAuth as honoRequireAuth,
} from '@portcullis/hono';
import { createPortcullisPipeline } from '@portcullis/http';
import {
  createMemoryRateLimitStore,
  createRateLimitPolicy,
  LOGIN_HEALTH_DEFAULT_ZONES,
} from '@portcullis/rate-limit';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

// Plain JavaScript callers: what they pass is not checked by a compiler.
// biome-ignore lint/suspicious/noExplicitAny: simulating an untyped caller.
const js = (value: unknown): any => value;

async function configErrorOf(fn: () => unknown): Promise<ConfigError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const fastifyApp = async (config: unknown, plugin: unknown = fastifyPortcullis) => {
  const app = Fastify();
  try {
    await app.register(js(plugin), js(config));
    await app.ready();
  } finally {
    await app.close();
  }
};

describe('portcullis({ ... }) checks its config at start-up on every framework', () => {
  const misspelt = { rateLimits: LOGIN_HEALTH_DEFAULT_ZONES };
  const adapters: [string, (config: unknown) => unknown][] = [
    ['express', (config) => expressPortcullis(js(config))],
    ['fastify', fastifyApp],
    ['hono', (config) => honoPortcullis(js(config))],
  ];

  it.each(adapters)(
    '%s: portcullis({ rateLimits }) is a ConfigError, not an app without rate limiting',
    async (_, start) => {
      const err = await configErrorOf(() => start(misspelt));
      expect(err.option).toBe('rateLimits');
      expect(err.suggestion).toBe('rateLimit');
      expect(err.message).toContain('portcullis: unknown option "rateLimits"; did you mean "rateLimit"?');
    },
  );

  it.each(adapters)('%s: a misspelt store inside a rule table is named (stor → store)', async (_, start) => {
    const err = await configErrorOf(() =>
      start({ rateLimit: { ...LOGIN_HEALTH_DEFAULT_ZONES, stor: createMemoryRateLimitStore() } }),
    );
    expect(err.suggestion).toBe('store');
  });

  it.each(adapters)('%s: a misspelt scrape option is named', async (_, start) => {
    const err = await configErrorOf(() => start({ scrape: { tokn: 'x'.repeat(32) } }));
    expect(err.detail).toContain('portcullis: scrape: unknown option "tokn"; did you mean "token"?');
  });

  it('accepts each adapter its own keys, and only its own', async () => {
    const context = createSecurityContext();
    const remoteAddress = () => '192.0.2.1';
    expect(() => honoPortcullis({ context, remoteAddress })).not.toThrow();
    expect((await configErrorOf(() => expressPortcullis(js({ context, remoteAddress })))).option).toBe(
      'remoteAddress',
    );
    await expect(
      fastifyApp({ context, rateLimit: LOGIN_HEALTH_DEFAULT_ZONES, prefix: '/api' }),
    ).resolves.toBeUndefined();
  });

  it('refuses a rate limit that is neither a table nor a policy, and uploads without a guard', async () => {
    expect((await configErrorOf(() => createPortcullisPipeline(js({ rateLimit: true })))).option).toBe(
      'rateLimit',
    );
    expect(
      (await configErrorOf(() => createPortcullisPipeline(js({ uploads: { dir: '/tmp' } })))).option,
    ).toBe('guard');
  });

  it('still builds from a valid config with a scrape path', () => {
    const pipeline = createPortcullisPipeline({
      rateLimit: LOGIN_HEALTH_DEFAULT_ZONES,
      scrape: { path: '/internal/metrics', rateLimited: false, token: 'x'.repeat(32) },
    });
    expect(pipeline.scrapePath).toBe('/internal/metrics');
  });
});

describe('the standalone middlewares check what they are given at start-up', () => {
  const zones = LOGIN_HEALTH_DEFAULT_ZONES;

  it('rateLimit(rule table) instead of a policy names the fix (was "policy.check is not a function" per request)', async () => {
    for (const create of [
      () => expressRateLimit(js(zones)),
      () => honoRateLimit(js(zones)),
      () => fastifyApp(js({ policy: zones }), rateLimitPlugin),
    ]) {
      const err = await configErrorOf(create);
      expect(err.detail).toContain('a rate-limit policy from createRateLimitPolicy');
    }
  });

  it('requireAuth(a Promise) says to await it; requireAuth(undefined) names what it needs', async () => {
    const pending = Promise.resolve({});
    for (const requireAuth of [expressRequireAuth, fastifyRequireAuth, honoRequireAuth]) {
      expect((await configErrorOf(() => requireAuth(js(pending)))).detail).toContain('await it first');
      expect((await configErrorOf(() => requireAuth(js(undefined)))).detail).toContain('a token service');
    }
  });

  it('rateLimit(policy, { userID }) suggests userId', async () => {
    const policy = createRateLimitPolicy({ ...zones });
    expect((await configErrorOf(() => expressRateLimit(policy, js({ userID: () => 'u' })))).suggestion).toBe(
      'userId',
    );
  });
});
