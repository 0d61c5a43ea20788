/**
 * One portable way to warn, for every runtime Portcullis runs on. Node, Bun and Deno have
 * `process.emitWarning` and print what it emits (so `--no-warnings`, `--trace-warnings` and
 * `process.on('warning')` keep working there). Cloudflare Workers before compatibility date
 * 2025-09-15 have a `process` without it, and from that date one that emits the event but prints
 * nothing (workerd 1.20261117): on Workers, and where there is no `process.emitWarning`, the
 * warning goes to `console.warn`, which reaches the Worker's logs.
 */

import { socketlessRuntime } from './runtime.js';

/** The `type` of every warning Portcullis emits (`process.on('warning', (w) => w.name)`). */
export const PORTCULLIS_WARNING = 'PortcullisWarning';

interface WarningProcess {
  emitWarning?: unknown;
}

/**
 * Emits a `PortcullisWarning`: through `process.emitWarning` where the runtime has it and prints
 * it, else `console.warn`. Never throws.
 */
export function emitPortcullisWarning(message: string): void {
  const proc = (globalThis as { process?: WarningProcess }).process;
  try {
    if (typeof proc?.emitWarning === 'function' && socketlessRuntime() !== 'Cloudflare Workers') {
      (proc.emitWarning as (message: string, type: string) => void).call(proc, message, PORTCULLIS_WARNING);
      return;
    }
    globalThis.console?.warn(`${PORTCULLIS_WARNING}: ${message}`);
  } catch {
    // A warning must never break the code that emits it (a throwing `warning` listener, say).
  }
}
