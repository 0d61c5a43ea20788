import { createHash } from 'node:crypto';
import { type CircuitBreaker, withTimeout } from '@portcullis/core';
import type { RedisClientLike } from './client.js';

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

/** Options of {@link createScriptRunner}. */
export interface ScriptRunnerOptions {
  /** Per-call deadline in ms; past it the call fails with `ERR_STORE_TIMEOUT`. Default 250. */
  timeoutMs?: number | undefined;
  /** Optional breaker: when open, calls fail at once with `ERR_STORE_UNAVAILABLE`. */
  breaker?: CircuitBreaker | undefined;
}

/** Runs scripts with a deadline and through an optional circuit breaker. */
export type ScriptRunner = (
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/** The one way Redis stores talk to Redis: one script, one round trip, bounded in time. */
export function createScriptRunner(client: RedisClientLike, options: ScriptRunnerOptions = {}): ScriptRunner {
  const timeoutMs = options.timeoutMs ?? 250;
  const { breaker } = options;
  const call = (script: RedisScript, keys: readonly string[], args: readonly (string | number)[]) =>
    withTimeout(runScript(client, script, keys, args), timeoutMs, 'redis script');
  if (!breaker) return call;
  return (script, keys, args) => breaker.run(() => call(script, keys, args));
}
