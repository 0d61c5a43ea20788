import { type Clock, systemClock } from './clock.js';
import { checkOptions, type KnownOptions } from './options.js';
import { emitPortcullisWarning } from './warning.js';

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

/**
 * The attributes each event carries, by name: the contract between the module that publishes an
 * event and audit and metrics, which read it. A publisher that sends `count` where metrics reads
 * `dropped` no longer compiles. Events absent from this map carry no attributes.
 */
export interface SecurityEventAttributeMap {
  authn_login_success: { readonly method?: string | undefined };
  authn_login_fail: { readonly failures?: number | undefined };
  authn_login_throttled: { readonly delayMs: number; readonly failures: number };
  authn_token_created: { readonly sid?: string | undefined };
  authn_token_refreshed: { readonly sid: string; readonly replay?: boolean | undefined };
  authn_token_reuse: { readonly sid: string; readonly replay?: boolean | undefined };
  authn_token_revoked: {
    readonly kind: 'refresh' | 'access' | 'session';
    readonly sid?: string | undefined;
    readonly jti?: string | undefined;
  };
  ratelimit_exceeded: {
    readonly limit?: number | undefined;
    readonly windowMs?: number | undefined;
    readonly source?: string | undefined;
    readonly key?: string | undefined;
  };
  upload_rejected: {
    readonly status: number;
    readonly detectedType?: string | undefined;
    readonly field?: string | undefined;
  };
  upload_stored: { readonly type: string; readonly size: number };
  file_read: FileEventAttributes;
  file_write: FileEventAttributes;
  file_delete: FileEventAttributes;
  /** `dropped`: how many audit records were lost (at least 1). */
  sys_audit_dropped: { readonly dropped: number };
  sys_audit_error: { readonly errorCode: string };
  /** `partition`: the failure domain (a Redis Cluster shard) when the store has several. */
  sys_store_unavailable: { readonly partition?: string | undefined };
  sys_store_recovered: { readonly partition?: string | undefined };
}

/** Attributes of the file access events. */
export interface FileEventAttributes {
  readonly outcome?: string | undefined;
  readonly status?: number | undefined;
}

/** The attributes of event `N` (`undefined` for events that carry none). */
export type SecurityEventAttributesOf<N extends SecurityEventName> = N extends keyof SecurityEventAttributeMap
  ? SecurityEventAttributeMap[N]
  : undefined;

/** What every event has, whatever its name. */
interface SecurityEventBase {
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
}

/** A security event as published on the bus: a union over the names, each with its own attributes. */
export type SecurityEvent<N extends SecurityEventName = SecurityEventName> = {
  [K in N]: SecurityEventBase & {
    readonly name: K;
    readonly attributes?: SecurityEventAttributesOf<K> | undefined;
  };
}[N];

/** What a publisher passes: `time` and `level` may be left to the bus. */
export type SecurityEventInput<N extends SecurityEventName = SecurityEventName> = {
  [K in N]: Omit<SecurityEvent<K>, 'time' | 'level'> & {
    readonly time?: number | undefined;
    readonly level?: SecurityEventLevel | undefined;
  };
}[N];

/** An event whose name is only known as a {@link SecurityEventName}: it carries no attributes. */
export type UntypedEventInput = Omit<SecurityEventInput, 'name' | 'attributes'> & {
  readonly name: SecurityEventName;
  readonly attributes?: undefined;
};

/** A subscriber. It may be async; its errors and rejections never reach the publisher. */
export type SecurityEventListener = (event: SecurityEvent) => void | Promise<void>;

/** Options of {@link createEventBus}. */
export interface EventBusOptions {
  clock?: Clock | undefined;
  /** Called when a subscriber throws or rejects. Default: a `PortcullisWarning` (`process.emitWarning`, else `console.warn`). */
  onListenerError?: ((error: unknown, event: SecurityEvent) => void) | undefined;
}

/** The typed publish/subscribe hub that modules publish to and audit/metrics subscribe to. */
export interface EventBus {
  /**
   * Publishes synchronously to every subscriber; never throws because of a subscriber. The
   * attributes must be those {@link SecurityEventAttributeMap} names for the event.
   */
  publish(event: SecurityEventInput): void;
  /** Publishes an event without attributes, whatever its name (e.g. a name held in a variable). */
  publish(event: UntypedEventInput): void;
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
  checkOptions('createEventBus', options, {
    clock: true,
    onListenerError: true,
  } satisfies KnownOptions<EventBusOptions>);
  const clock = options.clock ?? systemClock;
  const onError =
    options.onListenerError ??
    ((error: unknown, event: SecurityEvent) => {
      const message = error instanceof Error ? error.message : String(error);
      emitPortcullisWarning(`security event subscriber failed on ${event.name}: ${message}`);
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
    publish(input: SecurityEventInput | UntypedEventInput) {
      if (listeners.length === 0) return;
      const event = Object.freeze({
        ...input,
        time: input.time ?? clock.now(),
        level: input.level ?? defaultEventLevel(input.name),
      }) as SecurityEvent;
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
