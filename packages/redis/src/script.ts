import { createHash } from 'node:crypto';
import { type CircuitBreaker, isPortcullisError, StoreError, withTimeout } from '@portcullis/core';
import type { RedisClientLike } from './client.js';
import { keySlot } from './key-slot.js';

/** A Lua script with its SHA-1, computed once. */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

/** Defines a script once at module load; run it with {@link runScript}. */
export function defineScript(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/**
 * Runs a script in one round trip with EVALSHA; when Redis answers NOSCRIPT (after a restart
 * or a SCRIPT FLUSH) it sends EVAL once, which also caches the script for next time.
 */
export async function runScript(
  client: RedisClientLike,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}

/**
 * The shard a key lives on: on an ioredis `Cluster`, the address of the master that serves the
 * key's slot in the client's current slot map; `undefined` on a single Redis (one domain).
 */
export function shardOf(client: RedisClientLike, key: string): string | undefined {
  if (client.isCluster !== true || client.slots === undefined) return undefined;
  return client.slots[keySlot(key)]?.[0] ?? 'unassigned';
}

/** Options of {@link createScriptRunner}. */
export interface ScriptRunnerOptions {
  /** Per-call deadline in ms; past it the call fails with `ERR_STORE_TIMEOUT`. Default 250. */
  timeoutMs?: number | undefined;
  /** Optional breaker: when open, calls fail at once with `ERR_STORE_UNAVAILABLE`. */
  breaker?: CircuitBreaker | undefined;
  /**
   * Most commands allowed in flight per shard (one count for a single Redis). A command that
   * missed its deadline still counts until Redis or the client settles it, so a dead or stalled
   * shard cannot pile up work: past the bound, calls for that shard fail at once with
   * `ERR_STORE_UNAVAILABLE`. Default 512.
   */
  maxInFlight?: number | undefined;
  /** Names the store in error messages. Default `Redis`. */
  name?: string | undefined;
}

/** Runs scripts with a deadline and through an optional circuit breaker. */
export type ScriptRunner = (
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/**
 * The one way Redis stores talk to Redis: one script, one round trip, bounded in time and in
 * outstanding commands per shard, and every failure a `StoreError` (503) so callers apply their
 * failure policy: `ERR_STORE_TIMEOUT` past the deadline, `ERR_STORE_UNAVAILABLE` otherwise (the
 * Redis error is kept as `cause`).
 */
export function createScriptRunner(client: RedisClientLike, options: ScriptRunnerOptions = {}): ScriptRunner {
  const timeoutMs = options.timeoutMs ?? 250;
  const maxInFlight = options.maxInFlight ?? 512;
  const name = options.name ?? 'Redis';
  const { breaker } = options;
  const inFlight = new Map<string, number>();
  const call = async (script: RedisScript, keys: readonly string[], args: readonly (string | number)[]) => {
    const shard = keys[0] === undefined ? '' : (shardOf(client, keys[0]) ?? '');
    const n = inFlight.get(shard) ?? 0;
    if (n >= maxInFlight)
      throw new StoreError(
        'ERR_STORE_UNAVAILABLE',
        `${name}: ${n} commands already in flight${shard ? ` to ${shard}` : ''}; refusing more until they settle`,
      );
    inFlight.set(shard, n + 1);
    const sent = runScript(client, script, keys, args);
    const settle = () => {
      const left = (inFlight.get(shard) ?? 1) - 1;
      if (left <= 0) inFlight.delete(shard);
      else inFlight.set(shard, left);
    };
    sent.then(settle, settle);
    try {
      return await withTimeout(sent, timeoutMs, `${name} script`);
    } catch (err) {
      if (isPortcullisError(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      const code = /timed? ?out/i.test(message) ? 'ERR_STORE_TIMEOUT' : 'ERR_STORE_UNAVAILABLE';
      // The Redis message stays in `cause` (logs), out of the 503 answer.
      throw new StoreError(code, `the ${name} store failed`, { cause: err });
    }
  };
  if (!breaker) return call;
  return (script, keys, args) => breaker.run(() => call(script, keys, args));
}
