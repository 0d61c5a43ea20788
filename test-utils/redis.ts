import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe } from 'vitest';
import { freeLoopbackPort } from './ports.ts';
import { haveRedisBinaries, type RedisClusterProcess, startRedisCluster } from './redis-cluster.js';

/**
 * The Redis URL for integration tests. Unset: the tests skip with a message, so a laptop
 * without Redis stays green. Under CI=true an unset REDIS_URL is a failure, never a skip.
 */
export function redisUrl(): string | undefined {
  const url = process.env.REDIS_URL;
  if (!url && process.env.CI === 'true') {
    throw new Error('REDIS_URL is not set under CI=true: Redis integration tests must run in CI');
  }
  return url || undefined;
}

/** `describe` that runs only when Redis is available (and fails under CI when it is not). */
export function describeRedis(name: string, fn: (url: string) => void): void {
  const url = redisUrl();
  if (!url) {
    describe.skip(`${name} (skipped: set REDIS_URL to run against a real Redis)`, () => {});
    return;
  }
  describe(name, () => fn(url));
}

/** A unique key prefix so parallel test files never share Redis keys. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
}

/** A private redis-server a test can stop and restart (outage tests). */
export interface RedisProcess {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Starts a private redis-server on a free loopback port (for tests that stop Redis mid-run).
 * Returns undefined when no redis-server binary is available and not under CI.
 */
export async function startRedisServer(): Promise<RedisProcess | undefined> {
  const bin = process.env.REDIS_SERVER_BIN || 'redis-server';
  const port = await freeLoopbackPort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const onData = (buf: Buffer) => {
        if (buf.toString().includes('Ready to accept connections')) {
          child?.stdout?.off('data', onData);
          resolve();
        }
      };
      child?.stdout?.on('data', onData);
      child?.once('error', reject);
      child?.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    });
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  try {
    await start();
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    return undefined;
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

/**
 * `describe` with a private Redis Cluster (3 masters + 3 replicas, test-utils/redis-cluster.ts)
 * started before its tests and stopped after them. Skips (with the reason in its name) when
 * redis-server is not installed, except under CI=true, where the cluster must start.
 */
export function describeRedisCluster(
  name: string,
  fn: (cluster: () => RedisClusterProcess) => void,
  options: { masters?: number; nodeTimeoutMs?: number } = {},
): void {
  if (!haveRedisBinaries() && process.env.CI !== 'true') {
    describe.skip(`${name} (skipped: install redis-server to run against a real Redis Cluster)`, () => {});
    return;
  }
  describe(name, () => {
    let cluster: RedisClusterProcess | undefined;
    beforeAll(async () => {
      cluster = await startRedisCluster(options);
    }, 90_000);
    afterAll(async () => {
      await cluster?.stop();
    });
    fn(() => {
      if (!cluster) throw new Error('the Redis Cluster did not start');
      return cluster;
    });
  });
}
