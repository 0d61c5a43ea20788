/**
 * The refresh-rotation race: 50 concurrent refreshes of one token from 4 worker processes on a
 * real Redis. Exactly one rotation succeeds; every other call is a grace-window replay that
 * returns the very same pair; after the window, the old token revokes the whole family.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { createEventBus, createManualClock, type SecurityEvent } from '@portcullis/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, uniquePrefix } from '../../../test-utils/redis.js';
import { createKeySet, createTokenService, type TokenPair } from '../../tokens/src/index.js';
import {
  createRedisClient,
  createRedisRefreshTokenStore,
  createRedisRevocationStore,
  waitForRedis,
} from '../src/index.js';

interface WorkerReply {
  results: ({ ok: true; pair: TokenPair } | { ok: false; code: string })[];
  rotations: number;
  replays: number;
}

describeRedis('refresh rotation race across 4 worker processes', (url) => {
  const redis = createRedisClient(url);
  const prefix = uniquePrefix('refresh-race');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = privateKey.export({ format: 'jwk' });
  const pub = publicKey.export({ format: 'jwk' });
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    await waitForRedis(redis);
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const service = async (clock = createManualClock(Date.now()), log: SecurityEvent[] = []) => {
    const events = createEventBus({ clock });
    events.subscribe((e) => {
      log.push(e);
    });
    return createTokenService({
      keys: await createKeySet({
        currentKid: 'race',
        keys: [{ kid: 'race', alg: 'EdDSA', privateKey: priv, publicKey: pub }],
      }),
      issuer: 'https://race.example',
      audience: 'api',
      clock,
      events,
      refreshGraceMs: 5000,
      revocationStore: createRedisRevocationStore({ client: redis, prefix, clock }),
      refreshStore: createRedisRefreshTokenStore({ client: redis, prefix, clock }),
    });
  };

  it('lets exactly one of 50 concurrent refreshes rotate; the 49 others get the same pair; reuse after the window revokes the family', async () => {
    const login = await (await service()).issue({ subject: 'racer' });
    const dir = join(import.meta.dirname, '../../tokens/test/integration');
    for (let i = 0; i < 4; i++) {
      workers.push(
        fork(join(dir, 'race-worker.ts'), [], {
          execArgv: ['--conditions=dev-source', '--import', join(dir, 'ts-loader.ts'), '--no-warnings'],
          env: {
            ...process.env,
            REDIS_URL: url,
            RACE_PREFIX: prefix,
            RACE_PRIVATE: JSON.stringify(priv),
            RACE_PUBLIC: JSON.stringify(pub),
          },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      );
    }
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => w.once('message', () => resolve()))));
    const shares = [13, 13, 12, 12];
    const replies = await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<WorkerReply>((resolve, reject) => {
            w.once('message', (m) => resolve(m as WorkerReply));
            w.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
            w.send({ token: login.refresh_token, count: shares[i] });
          }),
      ),
    );
    const results = replies.flatMap((r) => r.results);
    expect(results).toHaveLength(50);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(replies.reduce((n, r) => n + r.rotations, 0)).toBe(1);
    expect(replies.reduce((n, r) => n + r.replays, 0)).toBe(49);
    const pairs = new Set(results.map((r) => (r.ok ? JSON.stringify(r.pair) : '')));
    expect(pairs.size).toBe(1);
    const winner = JSON.parse([...pairs][0] ?? '{}') as TokenPair;

    // After the grace window, the spent token is reuse: the whole family goes.
    const log: SecurityEvent[] = [];
    const later = await service(createManualClock(Date.now() + 5001), log);
    await expect(later.refresh(login.refresh_token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REUSED' });
    expect(log.some((e) => e.name === 'authn_token_reuse' && e.userId === 'racer')).toBe(true);
    await expect(later.refresh(winner.refresh_token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});
