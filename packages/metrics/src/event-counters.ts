import {
  type CircuitState,
  SECURITY_EVENT_NAMES,
  type SecurityEvent,
  type SecurityEventName,
} from '@portcullis/core';

/** The module counters security events feed (label values in declaration order). */
export interface ModuleCounters {
  rateLimit(values: readonly [rule: string, outcome: string], by?: number): void;
  tokens(values: readonly [outcome: string, reason: string], by?: number): void;
  uploads(values: readonly [outcome: string, reason: string], by?: number): void;
  audit(values: readonly [outcome: string], by?: number): void;
  storeErrors(values: readonly [store: string], by?: number): void;
  circuit(store: string, state: CircuitState): void;
}

/** A reason label: the code, or `unknown`. */
export const reasonLabel = (r: string | undefined): string => (r === undefined || r === '' ? 'unknown' : r);

type EventCounter<N extends SecurityEventName> = (event: SecurityEvent<N>, c: ModuleCounters) => void;

/**
 * Which counter each security event moves, beyond `portcullis_security_events_total`. Typed by
 * core's event map: each entry reads the attributes its event really carries (`dropped` for
 * `sys_audit_dropped`), so a publisher and this table cannot disagree and still compile.
 */
export const EVENT_COUNTERS: { readonly [N in SecurityEventName]?: EventCounter<N> } = {
  ratelimit_exceeded: (e, c) => c.rateLimit([reasonLabel(e.resource ?? e.reason), 'limited']),
  authn_token_invalid: (e, c) => c.tokens(['invalid', reasonLabel(e.reason)]),
  authn_token_reuse: (e, c) => c.tokens(['reuse', reasonLabel(e.reason)]),
  upload_rejected: (e, c) => c.uploads(['rejected', reasonLabel(e.reason)]),
  upload_stored: (_e, c) => c.uploads(['accepted', 'none']),
  sys_audit_dropped: (e, c) => {
    const n = e.attributes?.dropped;
    c.audit(['dropped'], typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 1);
  },
  sys_audit_error: (_e, c) => c.audit(['error']),
  sys_store_unavailable: (e, c) => {
    c.storeErrors([reasonLabel(e.resource)]);
    c.circuit(reasonLabel(e.resource), 'open');
  },
  sys_store_recovered: (e, c) => c.circuit(reasonLabel(e.resource), 'closed'),
};

const EVENT_NAMES: ReadonlySet<string> = new Set(SECURITY_EVENT_NAMES);

/** True for a name of the vocabulary (a bus may carry others from untyped publishers). */
export function isKnownEvent(event: SecurityEvent): boolean {
  return EVENT_NAMES.has(event.name);
}

/** Moves the module counter of `event`, if its name has one. */
export function countEvent(event: SecurityEvent, counters: ModuleCounters): void {
  const count = EVENT_COUNTERS[event.name] as EventCounter<SecurityEventName> | undefined;
  count?.(event, counters);
}
