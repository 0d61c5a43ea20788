import { StoreError } from './errors.js';
import type { EventBus } from './events.js';

/** Reports a store's failures and recovery for one resource; see {@link createStoreHealth}. */
export interface StoreHealth {
  /** Reports a failed call: publishes `sys_store_unavailable` when `err` is a `StoreError`. */
  failed(err: unknown): void;
  /** Reports a successful call: publishes `sys_store_recovered` once after failures. */
  ok(): void;
}

/**
 * For work that runs off the request path (a reset mail job) and so has no caller to answer
 * 503: every store failure becomes a `sys_store_unavailable` event (metrics count it as
 * `portcullis_store_errors_total{store}` and show the store as open), and the first success
 * afterwards a `sys_store_recovered`, so a failing store is never silent.
 *
 * @example
 * ```ts
 * const health = createStoreHealth(events, 'password-reset');
 * job().then(() => health.ok(), (err) => health.failed(err));
 * ```
 */
export function createStoreHealth(events: EventBus | undefined, resource: string): StoreHealth {
  let failing = false;
  return {
    failed(err) {
      if (!(err instanceof StoreError)) return;
      failing = true;
      events?.publish({ name: 'sys_store_unavailable', resource, reason: err.code });
    },
    ok() {
      if (!failing) return;
      failing = false;
      events?.publish({ name: 'sys_store_recovered', resource });
    },
  };
}
