import {
  type CircuitState,
  type Clock,
  ConfigError,
  checkOptions,
  type EventBus,
  type KnownOptions,
  SECURITY_EVENT_NAMES,
  type SecurityContext,
  type SecurityEvent,
} from '@portcullis/core';
import { Counter, collectDefaultMetrics, Gauge, type Registry, register } from 'prom-client';
import { countEvent, isKnownEvent, type ModuleCounters, reasonLabel } from './event-counters.js';
import { type Exposition, type ExpositionFormat, renderRegistry } from './exposition-format.js';
import { createHttpHistogram } from './http-histogram.js';
import { withMetricsKit } from './kit.js';
import { OVERFLOW_LABEL } from './labels.js';
import { createSeriesGuard, reuse } from './series.js';
/**
 * The 14 default bucket boundaries (seconds) of `http.server.request.duration` in the
 * OpenTelemetry HTTP semantic conventions.
 */
export const OTEL_HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/** Default series budget per metric: far above a real API's routes x methods x statuses. */
export const DEFAULT_SERIES_BUDGET = 1000;

/** Outcome of a rate-limit decision. */
export type RateLimitOutcome = 'allowed' | 'limited' | 'error';
/** Outcome of a token verification. */
export type TokenVerificationOutcome = 'valid' | 'invalid' | 'reuse';
/** Outcome of an upload. */
export type UploadOutcome = 'accepted' | 'rejected';
/** What happened to an audit record. */
export type AuditOutcome = 'written' | 'dropped' | 'error';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Registry to register into. Default: prom-client's global `register` (what most apps already scrape). */
  registry?: Registry | undefined;
  /** Prepended to every metric name (e.g. `myapp_`). Default none. */
  prefix?: string | undefined;
  /** Bucket boundaries of the duration histogram, in seconds. Default {@link OTEL_HTTP_DURATION_BUCKETS}. */
  buckets?: readonly number[] | undefined;
  /**
   * Most label combinations any one metric may hold; further ones are folded into a single
   * series whose labels are all `__overflow__` and counted by `portcullis_metrics_series_overflow_total`.
   * Default {@link DEFAULT_SERIES_BUDGET}.
   */
  seriesBudget?: number | undefined;
  /** Also collect prom-client's process metrics (CPU, memory, event loop). Default `false`. */
  collectProcessMetrics?: boolean | undefined;
  /** Subscribe to this bus and count every security event (see docs/metrics.md for the mapping). */
  events?: EventBus | undefined;
  /** The app's security context: its event bus is subscribed to (with `events`, both are). */
  context?: Pick<SecurityContext, 'events'> | undefined;
  /** Monotonic millisecond clock for request durations. Default `performance.now()`. */
  clock?: Clock | undefined;
}

/** A source of a scrape: a worker's own registry, or the cluster primary's aggregate. */
export interface MetricsSource {
  /** Renders the metrics in `format`. */
  scrape(format: ExpositionFormat): Promise<Exposition>;
}

/** The metrics of one registry. Created by {@link createMetrics}. */
export interface Metrics extends MetricsSource {
  readonly registry: Registry;
  /**
   * Marks a request as started: counts it in flight and returns its start time. Call
   * {@link Metrics.endRequest} exactly once when the response has finished or was aborted.
   */
  startRequest(): number;
  /**
   * Records a request that has ended. `route` is the framework's route template, `undefined`
   * when none matched. `errorType` is set by adapters for aborted responses (`aborted`).
   */
  endRequest(
    startedAt: number,
    method: string,
    route: string | undefined,
    status: number,
    errorType?: string | undefined,
  ): void;
  /** Counts a security event by name and derives the module counters from it. */
  recordSecurityEvent(event: SecurityEvent): void;
  /** Counts a rate-limit decision of `rule`. */
  recordRateLimit(rule: string, outcome: RateLimitOutcome): void;
  /** Counts a token verification; `reason` is a stable code such as `ERR_TOKEN_EXPIRED`. */
  recordTokenVerification(outcome: TokenVerificationOutcome, reason?: string | undefined): void;
  /** Counts an upload; `reason` is the refusal code for rejected uploads. */
  recordUpload(outcome: UploadOutcome, reason?: string | undefined): void;
  /** Counts `count` (default 1) audit records written, dropped or failed. */
  recordAudit(outcome: AuditOutcome, count?: number | undefined): void;
  /** Counts an error of the store named `store` (e.g. `redis`). */
  recordStoreError(store: string): void;
  /** Sets the circuit-breaker state of `store` (plug into `createCircuitBreaker({ onStateChange })`). */
  recordCircuitState(store: string, state: CircuitState): void;
  /** Subscribes to a bus; returns the unsubscribe function. Subscribing twice to one bus is a no-op. */
  subscribe(events: EventBus): () => void;
}

const STATE = Symbol.for('portcullis.metrics.state');
type RegistryWithState = Registry & { [STATE]?: Map<string, Metrics> };

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'half-open', 'open'];

/**
 * Creates (or, on the same registry and prefix, returns again) the HTTP and security metrics:
 * `http_server_request_duration_seconds`, `http_server_active_requests`,
 * `portcullis_security_events_total` and the per-module counters.
 *
 * @example
 * ```ts
 * import { createEventBus } from '@portcullis/core';
 * import { createMetrics } from '@portcullis/metrics';
 *
 * const events = createEventBus();
 * const metrics = createMetrics({ events });
 * // adapters: app.use(metricsMiddleware(metrics)); app.get('/metrics', metricsHandler({ source: metrics }));
 * ```
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  checkOptions('createMetrics', options, {
    registry: true,
    prefix: true,
    buckets: true,
    seriesBudget: true,
    collectProcessMetrics: true,
    events: true,
    context: true,
    clock: true,
  } satisfies KnownOptions<MetricsOptions>);
  const registry = (options.registry ?? register) as RegistryWithState;
  const prefix = options.prefix ?? '';
  if (prefix !== '' && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw new ConfigError('metrics prefix must match [a-zA-Z_:][a-zA-Z0-9_:]*');
  }
  registry[STATE] ??= new Map<string, Metrics>();
  const states = registry[STATE];
  const existing = states.get(prefix);
  if (existing) {
    if (options.events) existing.subscribe(options.events);
    if (options.context) existing.subscribe(options.context.events);
    return existing;
  }
  const budget = options.seriesBudget ?? DEFAULT_SERIES_BUDGET;
  if (!Number.isInteger(budget) || budget < 1)
    throw new ConfigError('seriesBudget must be a positive integer');
  const buckets = [...(options.buckets ?? OTEL_HTTP_DURATION_BUCKETS)];
  if (
    buckets.length === 0 ||
    buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))
  ) {
    throw new ConfigError('buckets must be finite, strictly increasing numbers');
  }
  const clock: Clock = options.clock ?? { now: () => performance.now() };
  const registers = [registry];
  const n = (name: string) => prefix + name;

  const overflow = reuse(
    registry,
    n('portcullis_metrics_series_overflow_total'),
    'counter',
    () =>
      new Counter({
        name: n('portcullis_metrics_series_overflow_total'),
        help: 'Observations folded into the __overflow__ series because a metric spent its series budget.',
        labelNames: ['metric'],
        registers,
      }),
  );
  const guard = (name: string, labelNames: readonly string[]) =>
    createSeriesGuard(name, labelNames, budget, overflow);

  const http = createHttpHistogram({ registry, n, guard, buckets, clock });

  const securityEvents = reuse(
    registry,
    n('portcullis_security_events_total'),
    'counter',
    () =>
      new Counter({
        name: n('portcullis_security_events_total'),
        help: 'Security events published on the Portcullis event bus, by OWASP vocabulary name.',
        labelNames: ['event'],
        registers,
      }),
  );
  // Every name starts at 0 so that rate() and absent-series alerts work from the first scrape.
  for (const event of SECURITY_EVENT_NAMES) securityEvents.inc({ event }, 0);

  const counter = (name: string, help: string, labelNames: readonly string[]) => {
    const c = reuse(
      registry,
      n(name),
      'counter',
      () => new Counter({ name: n(name), help, labelNames: [...labelNames], registers }),
    );
    const g = guard(n(name), labelNames);
    return (values: readonly string[], by = 1) => {
      const labels = g.labelsFor(values.join('\u0000'), () =>
        Object.fromEntries(labelNames.map((l, i) => [l, values[i] ?? ''])),
      );
      c.inc(labels, by);
    };
  };
  const rateLimit = counter(
    'portcullis_ratelimit_decisions_total',
    'Rate-limit decisions by rule and outcome.',
    ['rule', 'outcome'],
  );
  const tokens = counter(
    'portcullis_token_verifications_total',
    'Token verifications by outcome and reason code.',
    ['outcome', 'reason'],
  );
  const uploads = counter('portcullis_uploads_total', 'Uploads accepted and refused, by reason code.', [
    'outcome',
    'reason',
  ]);
  const audit = counter('portcullis_audit_records_total', 'Audit records written, dropped or failed.', [
    'outcome',
  ]);
  const storeErrors = counter('portcullis_store_errors_total', 'Errors of backing stores, by store.', [
    'store',
  ]);
  const circuit = reuse(
    registry,
    n('portcullis_store_circuit_state'),
    'gauge',
    () =>
      new Gauge({
        name: n('portcullis_store_circuit_state'),
        help: 'Circuit-breaker state per store: 1 for the current state, 0 for the others.',
        labelNames: ['store', 'state'],
        registers,
      }),
  );
  const circuitGuard = guard(n('portcullis_store_circuit_state'), ['store']);

  if (
    options.collectProcessMetrics === true &&
    registry.getSingleMetric(n('process_cpu_seconds_total')) === undefined
  ) {
    collectDefaultMetrics({ register: registry, prefix });
  }

  const subscribed = new WeakSet<EventBus>();
  const reason = reasonLabel;
  const counters: ModuleCounters = {
    rateLimit,
    tokens,
    uploads,
    audit,
    storeErrors,
    circuit: (store, state) => metrics.recordCircuitState(store, state),
  };

  const metrics: Metrics = {
    registry,
    startRequest: http.startRequest,
    endRequest: http.endRequest,
    recordSecurityEvent(event) {
      if (!isKnownEvent(event)) return;
      securityEvents.inc({ event: event.name });
      countEvent(event, counters);
    },
    recordRateLimit(rule, outcome) {
      rateLimit([rule, outcome]);
    },
    recordTokenVerification(outcome, why) {
      tokens([outcome, outcome === 'valid' ? 'none' : reason(why)]);
    },
    recordUpload(outcome, why) {
      uploads([outcome, outcome === 'accepted' ? 'none' : reason(why)]);
    },
    recordAudit(outcome, count = 1) {
      if (Number.isFinite(count) && count > 0) audit([outcome], count);
    },
    recordStoreError(store) {
      storeErrors([store]);
    },
    recordCircuitState(store, state) {
      const labels = circuitGuard.labelsFor(store, () => ({ store }));
      const s = labels.store ?? OVERFLOW_LABEL;
      for (const candidate of CIRCUIT_STATES)
        circuit.set({ store: s, state: candidate }, candidate === state ? 1 : 0);
    },
    subscribe(events) {
      if (subscribed.has(events)) return () => {};
      subscribed.add(events);
      const off = events.subscribe((event) => metrics.recordSecurityEvent(event));
      return () => {
        subscribed.delete(events);
        off();
      };
    },
    scrape(format) {
      return renderRegistry(registry, format);
    },
  };
  withMetricsKit(metrics);
  states.set(prefix, metrics);
  if (options.events) metrics.subscribe(options.events);
  if (options.context) metrics.subscribe(options.context.events);
  return metrics;
}
