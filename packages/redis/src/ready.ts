import { ConfigError, checkOptions, type KnownOptions, StoreError } from '@portcullis/core';
import type { Cluster, Redis } from 'ioredis';

/** A client {@link waitForRedis} can wait for: an ioredis `Redis` or `Cluster`. */
export type RedisConnection = Redis | Cluster;

/** Options of {@link waitForRedis}. */
export interface WaitForRedisOptions {
  /** Milliseconds to wait for the connection. Default 5000. */
  timeoutMs?: number | undefined;
}

/** One field of an INFO / CLUSTER INFO reply. */
export function infoField(info: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return m?.[1]?.trim();
}

function isCluster(client: RedisConnection): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/** Errors seen while waiting that no amount of waiting fixes. */
function impossible(client: RedisConnection, err: unknown): ConfigError | undefined {
  const text = String((err as { lastNodeError?: unknown })?.lastNodeError ?? '') + String(err);
  if (/cluster support disabled/i.test(text))
    return new ConfigError(
      'Redis: these nodes run without cluster mode; connect with createRedisClient(url) instead of createRedisCluster',
    );
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(text))
    return new ConfigError(
      `Redis: authentication failed (${isCluster(client) ? 'cluster' : 'server'}): check the password or ACL user`,
    );
  return undefined;
}

/**
 * Start-up check of a connected client: refuses with a `ConfigError` what cannot work (a
 * standalone client on a cluster node gets MOVED for two thirds of the keys; a cluster that
 * does not serve all 16384 slots fails some users for good) and warns about what is unsafe (an
 * `allkeys-*` eviction policy may evict revocations, letting revoked tokens pass again).
 */
export async function checkRedis(client: RedisConnection): Promise<void> {
  const nodes = isCluster(client) ? client.nodes('master') : [client];
  for (const node of nodes) {
    const info = String(await node.info('server', 'memory', 'cluster'));
    const clusterMode = infoField(info, 'cluster_enabled') === '1';
    if (!isCluster(client) && clusterMode)
      throw new ConfigError(
        'Redis: this server is a Redis Cluster node; a standalone client would get MOVED for most keys. Use createRedisCluster(nodes)',
      );
    const policy = infoField(info, 'maxmemory_policy') ?? '';
    if (policy.startsWith('allkeys-'))
      process.emitWarning(
        `Redis maxmemory-policy is ${policy}: under memory pressure Redis may evict revocations and rate-limit counters; use noeviction (or volatile-* with enough memory)`,
        'PortcullisWarning',
      );
  }
  if (isCluster(client)) {
    const first = nodes[0];
    if (!first) throw new ConfigError('Redis Cluster: no master node is known');
    const info = String(await first.cluster('INFO'));
    const assigned = Number(infoField(info, 'cluster_slots_assigned') ?? 0);
    if (assigned !== 16384)
      throw new ConfigError(
        `Redis Cluster: only ${assigned} of 16384 slots are assigned; finish the cluster set-up (redis-cli --cluster create / fix) before starting`,
      );
  }
}

/**
 * Resolves once `client` (a standalone client or a Cluster) is connected and passes
 * {@link checkRedis}; commands sent before that would fail at once, by design, since the offline
 * queue is off. Rejects with a `ConfigError` for a set-up that cannot work (wrong client kind,
 * bad password, slots missing) and with a `StoreError` when not ready after `timeoutMs`.
 *
 * @example
 * ```ts
 * const redis = process.env.REDIS_CLUSTER
 *   ? createRedisCluster(process.env.REDIS_CLUSTER)
 *   : createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * await waitForRedis(redis);
 * ```
 */
export async function waitForRedis(
  client: RedisConnection,
  options: WaitForRedisOptions | number = {},
): Promise<void> {
  if (typeof options !== 'number')
    checkOptions('waitForRedis', options, { timeoutMs: true } satisfies KnownOptions<WaitForRedisOptions>);
  const timeoutMs = typeof options === 'number' ? options : (options.timeoutMs ?? 5000);
  if (client.status !== 'ready') {
    const c = client as Redis;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        c.off('ready', onReady);
        c.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () =>
          done(
            new StoreError(
              'ERR_STORE_UNAVAILABLE',
              `Redis not ready after ${timeoutMs} ms (client status: ${client.status})`,
            ),
          ),
        timeoutMs,
      );
      timer.unref();
      const onReady = () => done();
      const onError = (err: unknown) => {
        const fatal = impossible(client, err);
        if (fatal) done(fatal);
      };
      c.once('ready', onReady);
      c.on('error', onError);
    });
  }
  await checkRedis(client);
}
