import { ConfigError, checkOptions, describeValue, type KnownOptions } from '@portcullis/core';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/**
 * The few Redis commands Portcullis stores use, as a structural type: an ioredis `Redis` or
 * `Cluster` fits, and so does any client exposing the same methods. `isCluster` and `slots`
 * (present on an ioredis `Cluster`) let a store tell which shard a key lives on.
 */
export interface RedisClientLike {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  readonly isCluster?: boolean | undefined;
  /** Slot -> node addresses, master first (ioredis `Cluster#slots`). */
  readonly slots?: readonly (readonly string[] | undefined)[] | undefined;
}

/** Options of {@link createRedisClient}. */
export interface CreateRedisClientOptions {
  /** Milliseconds before a command is abandoned by the client. Default 500. */
  commandTimeoutMs?: number | undefined;
  /** Milliseconds allowed for a (re)connection. Default 2000. */
  connectTimeoutMs?: number | undefined;
  /** Extra ioredis options; the fail-fast ones below win over them. */
  ioredis?: RedisOptions | undefined;
}

const CLIENT_OPTIONS = {
  commandTimeoutMs: true,
  connectTimeoutMs: true,
  ioredis: true,
} as const satisfies KnownOptions<CreateRedisClientOptions>;

const reconnectDelay = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);

/**
 * An ioredis client set up to fail fast: no offline queue (a command while disconnected fails
 * at once instead of waiting), one try per command, a command timeout, and reconnection with
 * capped backoff so recovery is automatic. For Redis Cluster use {@link createRedisCluster}.
 *
 * @example
 * ```ts
 * const redis = createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * await waitForRedis(redis);
 * ```
 */
export function createRedisClient(url: string, options: CreateRedisClientOptions = {}): Redis {
  if (typeof url !== 'string')
    throw new ConfigError(
      `createRedisClient: the first argument is the Redis URL (e.g. process.env.REDIS_URL), got ${describeValue(url)}`,
    );
  checkOptions('createRedisClient', options, CLIENT_OPTIONS);
  const { replyMapping: _ignored, ...base } = options.ioredis ?? {};
  const client = new Redis(url, {
    ...base,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    retryStrategy: reconnectDelay,
  });
  // Without a listener ioredis reports connection errors as unhandled 'error' events.
  client.on('error', () => {});
  return client;
}

/** A start-up node of {@link createRedisCluster}: `host:port`, `redis://host:port`, or an object. */
export type RedisClusterNode = string | { host: string; port: number };

/** Options of {@link createRedisCluster}. */
export interface CreateRedisClusterOptions extends CreateRedisClientOptions {
  /**
   * Redirections (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, a closed connection during failover) a
   * command may follow before it fails. Default 3: enough to follow a resharding or a
   * promoted replica, few enough that a command on a dead shard fails within its deadline.
   */
  maxRedirections?: number | undefined;
  /** Password of every node (ACL user via `ioredisCluster.redisOptions.username`). */
  password?: string | undefined;
  /** Extra ioredis Cluster options; the fail-fast ones win over them. */
  ioredisCluster?: ClusterOptions | undefined;
}

/** Parses one start-up node; `undefined` when it is not `host:port` with a valid port. */
function parseNode(node: RedisClusterNode): { host: string; port: number } | undefined {
  if (typeof node === 'object' && node !== null) {
    const ok = typeof node.host === 'string' && node.host !== '' && Number.isInteger(node.port);
    return ok && node.port > 0 && node.port < 65536 ? { host: node.host, port: node.port } : undefined;
  }
  if (typeof node !== 'string') return undefined;
  const m = /^(?:rediss?:\/\/)?(\[[^\]]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(node.trim());
  if (!m?.[1] || !m[2]) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/**
 * Parses a list of Redis Cluster start-up nodes, as given in an environment variable
 * (`REDIS_CLUSTER=10.0.0.1:6379,10.0.0.2:6379`). Throws a `ConfigError` naming a bad entry.
 */
export function parseClusterNodes(
  nodes: readonly RedisClusterNode[] | string,
): { host: string; port: number }[] {
  const list = typeof nodes === 'string' ? nodes.split(/[\s,]+/).filter(Boolean) : [...nodes];
  return list.map((n) => {
    const parsed = parseNode(n);
    if (!parsed)
      throw new ConfigError(`createRedisCluster: not a host:port Redis Cluster node: ${JSON.stringify(n)}`);
    return parsed;
  });
}

/**
 * An ioredis `Cluster` set up to fail fast like {@link createRedisClient}: no offline queue, a
 * per-command timeout on every node, at most `maxRedirections` redirections, short retry
 * delays during a failover, and slot-map refresh on every MOVED. Pass a few nodes (any of them
 * is enough to discover the rest), as a list or as a comma-separated string.
 *
 * @example
 * ```ts
 * const redis = createRedisCluster(process.env.REDIS_CLUSTER ?? '127.0.0.1:7000,127.0.0.1:7001');
 * await waitForRedis(redis); // throws ConfigError for a cluster that cannot serve every slot
 * const store = createRedisRateLimitStore({ client: redis });
 * ```
 */
export function createRedisCluster(
  nodes: readonly RedisClusterNode[] | string,
  options: CreateRedisClusterOptions = {},
): Cluster {
  checkOptions('createRedisCluster', options, {
    ...CLIENT_OPTIONS,
    maxRedirections: true,
    password: true,
    ioredisCluster: true,
  } satisfies KnownOptions<CreateRedisClusterOptions>);
  const startup = parseClusterNodes(nodes);
  if (startup.length === 0) throw new ConfigError('createRedisCluster: give at least one node (host:port)');
  const maxRedirections = options.maxRedirections ?? 3;
  if (!Number.isInteger(maxRedirections) || maxRedirections < 1 || maxRedirections > 16)
    throw new ConfigError('createRedisCluster: maxRedirections must be an integer from 1 to 16');
  const extra = options.ioredisCluster ?? {};
  const { replyMapping: _ignored, ...redisBase } = { ...options.ioredis, ...extra.redisOptions };
  const client = new Cluster(startup, {
    ...extra,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    maxRedirections,
    retryDelayOnFailover: 50,
    retryDelayOnClusterDown: 50,
    retryDelayOnTryAgain: 50,
    slotsRefreshTimeout: 1000,
    clusterRetryStrategy: reconnectDelay,
    redisOptions: {
      ...redisBase,
      ...(options.password !== undefined ? { password: options.password } : {}),
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 500,
      connectTimeout: options.connectTimeoutMs ?? 2000,
    },
  });
  client.on('error', () => {});
  client.on('node error', () => {});
  return client;
}
