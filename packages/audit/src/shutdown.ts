import type { AuditLog } from './audit-log.js';

/** Options of {@link installShutdownHooks}. */
export interface ShutdownHookOptions {
  /** Signals to handle. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[] | undefined;
  /** Called if closing the log fails (the records it could not write are in the error). */
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * Opt-in: on SIGTERM/SIGINT (and on a natural exit, `beforeExit`), close the audit log (write every accepted record, last checkpoint)
 * before the process goes. If no other handler is left for the signal, the signal is raised
 * again so the process ends as it would have; if the app has its own handler (to close its HTTP
 * server), the app decides when to exit. Returns the uninstall function.
 *
 * @example
 * ```ts
 * const audit = createAuditLog({ ... });
 * installShutdownHooks(audit);
 * ```
 */
export function installShutdownHooks(
  log: Pick<AuditLog, 'close'>,
  options: ShutdownHookOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const handlers = new Map<NodeJS.Signals, () => void>();
  const uninstall = () => {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    handlers.clear();
    process.removeListener('beforeExit', onBeforeExit);
  };
  // A natural exit (the event loop ran dry) also closes the log: the flush timer is unref'd.
  const onBeforeExit = () => {
    uninstall();
    log.close().catch((err: unknown) => options.onError?.(err));
  };
  process.once('beforeExit', onBeforeExit);
  for (const sig of signals) {
    const h = () => {
      uninstall();
      log.close().then(
        () => {
          if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        },
        (err: unknown) => {
          options.onError?.(err);
          if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        },
      );
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return uninstall;
}
