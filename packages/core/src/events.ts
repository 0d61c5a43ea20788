import { type Clock, systemClock } from './clock.js';

/**
 * Security event names, after the OWASP Logging Vocabulary Cheat Sheet
 * (https://cheatsheetseries.owasp.org/cheatsheets/Logging_Vocabulary_Cheat_Sheet.html).
 * Names are stable: audit and metrics key on them.
 */
export const SECURITY_EVENT_NAMES = [
  // authentication
  'authn_login_success',
  'authn_login_fail',
  'authn_login_throttled',
  'authn_token_created',
  'authn_token_refreshed',
  'authn_token_revoked',
  'authn_token_revoked_all',
  'authn_token_reuse',
  'authn_token_invalid',
  'authn_password_change',
  'authn_password_change_fail',
  'authn_password_reset_requested',
  'authn_password_reset_completed',
  'authn_password_reset_fail',
  // authorisation
  'authz_fail',
  // input, uploads and files
  'input_validation_fail',
  'upload_rejected',
  'upload_stored',
  'file_read',
  'file_write',
  'file_delete',
  // rate limiting
  'ratelimit_exceeded',
  // system: stores and the audit trail itself
  'sys_store_unavailable',
  'sys_store_recovered',
  'sys_audit_dropped',
  'sys_audit_error',
] as const;

/** One of {@link SECURITY_EVENT_NAMES}. */
export type SecurityEventName = (typeof SECURITY_EVENT_NAMES)[number];

/** Severity, as the OWASP vocabulary assigns it. */
export type SecurityEventLevel = 'info' | 'warn' | 'critical';

/** Scalar attributes only: no nested objects that could smuggle a token or a password along. */
export type SecurityEventAttributes = Readonly<Record<string, string | number | boolean>>;

/** A security event as published on the bus. */
export interface SecurityEvent {
  readonly name: SecurityEventName;
  /** Milliseconds since the epoch, from the bus's clock unless the publisher set it. */
  readonly time: number;
  readonly level: SecurityEventLevel;
  /** Subject of the event (the user acted upon or acting), when known. Never a username typed by an anonymous client. */
  readonly userId?: string | undefined;
  /** Client address as resolved by core's client-address resolver. */
  readonly clientAddress?: string | undefined;
  readonly requestId?: string | undefined;
  /** Stable reason code, e.g. `ERR_TOKEN_EXPIRED` or a rule id. */
  readonly reason?: string | undefined;
  /** What was accessed (a route, a file id, a rate-limit rule). */
  readonly resource?: string | undefined;
  readonly attributes?: SecurityEventAttributes | undefined;
}

/** What a publisher passes: `time` and `level` may be left to the bus. */
export type SecurityEventInput = Omit<SecurityEvent, 'time' | 'level'> & {
  readonly time?: number | undefined;
  readonly level?: SecurityEventLevel | undefined;
};

/** A subscriber. It may be async; its errors and rejections never reach the publisher. */
export type SecurityEventListener = (event: SecurityEvent) => void | Promise<void>;

/** Options of {@link createEventBus}. */
export interface EventBusOptions {
  clock?: Clock | undefined;
  /** Called when a subscriber throws or rejects. Default: `process.emitWarning`. */
  onListenerError?: ((error: unknown, event: SecurityEvent) => void) | undefined;
}

/** The typed publish/subscribe hub that modules publish to and audit/metrics subscribe to. */
export interface EventBus {
  /** Publishes synchronously to every subscriber; never throws because of a subscriber. */
  publish(event: SecurityEventInput): void;
  /**
   * Subscribes to every event, or only to `names`. Returns the unsubscribe function.
   */
  subscribe(listener: SecurityEventListener, names?: readonly SecurityEventName[]): () => void;
  /** Number of subscribers (publishers may skip building costly events when it is 0). */
  readonly listenerCount: number;
}

const DEFAULT_LEVELS: Partial<Record<SecurityEventName, SecurityEventLevel>> = {
  authn_login_fail: 'warn',
  authn_login_throttled: 'warn',
  authn_token_reuse: 'critical',
  authn_token_invalid: 'warn',
  authn_password_change_fail: 'warn',
  authn_password_reset_fail: 'warn',
  authz_fail: 'critical',
  input_validation_fail: 'warn',
  upload_rejected: 'warn',
  ratelimit_exceeded: 'warn',
  sys_store_unavailable: 'critical',
  sys_audit_dropped: 'critical',
  sys_audit_error: 'critical',
};

/** Default level of an event name. */
export function defaultEventLevel(name: SecurityEventName): SecurityEventLevel {
  return DEFAULT_LEVELS[name] ?? 'info';
}

/**
 * Creates an event bus.
 *
 * @example
 * ```ts
 * const events = createEventBus();
 * events.subscribe((e) => console.log(e.name, e.reason), ['ratelimit_exceeded']);
 * events.publish({ name: 'ratelimit_exceeded', clientAddress: '192.0.2.1', resource: 'login' });
 * ```
 */
export function createEventBus(options: EventBusOptions = {}): EventBus {
  const clock = options.clock ?? systemClock;
  const onError =
    options.onListenerError ??
    ((error: unknown, event: SecurityEvent) => {
      const message = error instanceof Error ? error.message : String(error);
      process.emitWarning(
        `security event subscriber failed on ${event.name}: ${message}`,
        'PortcullisWarning',
      );
    });
  let listeners: ReadonlyArray<{ fn: SecurityEventListener; names: ReadonlySet<string> | null }> = [];

  const report = (error: unknown, event: SecurityEvent) => {
    try {
      onError(error, event);
    } catch {
      // The error reporter itself failed: nothing sane is left to do without hurting the publisher.
    }
  };

  return {
    publish(input) {
      if (listeners.length === 0) return;
      const event: SecurityEvent = Object.freeze({
        ...input,
        time: input.time ?? clock.now(),
        level: input.level ?? defaultEventLevel(input.name),
      });
      for (const l of listeners) {
        if (l.names !== null && !l.names.has(event.name)) continue;
        try {
          const r = l.fn(event);
          if (r && typeof (r as Promise<void>).then === 'function') {
            (r as Promise<void>).then(undefined, (err: unknown) => report(err, event));
          }
        } catch (err) {
          report(err, event);
        }
      }
    },
    subscribe(fn, names) {
      const entry = { fn, names: names ? new Set<string>(names) : null };
      // Copy-on-write: a listener that unsubscribes during publish does not skip its neighbours.
      listeners = [...listeners, entry];
      return () => {
        listeners = listeners.filter((l) => l !== entry);
      };
    },
    get listenerCount() {
      return listeners.length;
    },
  };
}
