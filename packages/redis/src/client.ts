import { Redis, type RedisOptions } from 'ioredis';

/**
 * The few Redis commands Portcullis stores use, as a structural type: an ioredis `Redis` or
 * `Cluster` fits, and so does any client exposing the same methods.
 */
export interface RedisClientLike {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
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

/**
 * An ioredis client set up to fail fast: no offline queue (a command while disconnected fails
 * at once instead of waiting), one try per command, a command timeout, and reconnection with
 * capped backoff so recovery is automatic.
 *
 * @example
 * ```ts
 * const redis = createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * ```
 */
export function createRedisClient(url: string, options: CreateRedisClientOptions = {}): Redis {
  const { replyMapping: _ignored, ...base } = options.ioredis ?? {};
  const client = new Redis(url, {
    ...base,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  });
  // Without a listener ioredis reports connection errors as unhandled 'error' events.
  client.on('error', () => {});
  return client;
}

/**
 * Resolves once `client` is connected (commands sent before that fail at once, by design,
 * since the offline queue is off). Rejects after `timeoutMs`.
 */
export async function waitForRedis(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}
