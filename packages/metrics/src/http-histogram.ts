import type { Clock } from '@portcullis/core';
import { ConfigError } from '@portcullis/core';
import { Gauge, type Registry } from 'prom-client';
import { DurationHistogram, type HistogramSeries } from './duration-histogram.js';
import {
  errorTypeOf,
  KNOWN_HTTP_METHODS,
  normalizeMethod,
  normalizeRoute,
  normalizeStatus,
} from './labels.js';
import type { Metrics } from './metrics.js';
import { reuse, type SeriesGuard } from './series.js';

/** 1-based index of each standard method; 0 stands for `_OTHER`. */
const METHOD_INDEX: ReadonlyMap<string, number> = new Map(KNOWN_HTTP_METHODS.map((m, i) => [m, i + 1]));

/** What the HTTP histogram needs of its metrics set. */
export interface HttpHistogramDeps {
  registry: Registry;
  /** The prefixed name of a metric. */
  n(name: string): string;
  guard(name: string, labelNames: readonly string[]): SeriesGuard;
  buckets: number[];
  clock: Clock;
}

/** `http_server_request_duration_seconds` and `http_server_active_requests`, with their hot path. */
export type HttpHistogram = Pick<Metrics, 'startRequest' | 'endRequest'>;

/**
 * The OTel HTTP server histogram and in-flight gauge. The hot path of a known method, route and
 * status is two Map lookups on values the framework already holds: no label string is built.
 */
export function createHttpHistogram(deps: HttpHistogramDeps): HttpHistogram {
  const { registry, n, guard, buckets, clock } = deps;
  const registers = [registry];
  const durationLabelNames = [
    'http_request_method',
    'http_route',
    'http_response_status_code',
    'error_type',
  ] as const;
  const durationName = n('http_server_request_duration_seconds');
  const existing = registry.getSingleMetric(durationName) as { type?: unknown; series?: unknown } | undefined;
  if (existing !== undefined && existing.type !== 'histogram')
    throw new ConfigError(
      `metric ${durationName} is already registered as a ${String(existing.type)}, not a histogram`,
    );
  if (existing !== undefined && typeof existing.series !== 'function')
    throw new ConfigError(`metric ${durationName} is already registered by another histogram collector`);
  // Hot reload evaluates this module again against the same registry: the collector is adopted.
  const duration =
    (existing as DurationHistogram | undefined) ??
    (() => {
      const h = new DurationHistogram({
        name: durationName,
        help: 'Duration of HTTP server requests, until the response finished or was aborted.',
        labelNames: durationLabelNames,
        buckets,
      });
      registry.registerMetric(h as unknown as Parameters<Registry['registerMetric']>[0]);
      return h;
    })();
  const durationGuard = guard(n('http_server_request_duration_seconds'), durationLabelNames);
  const fast = new Map<string, Map<number, HistogramSeries>>();
  const durationLabels = (
    method: string,
    route: string | undefined,
    status: number,
    errorType: string | undefined,
  ) => {
    const m = normalizeMethod(method);
    const r = normalizeRoute(route);
    const s = normalizeStatus(status);
    const e = errorTypeOf(status, errorType);
    return durationGuard.labelsFor(`${m}\u0000${r}\u0000${s}\u0000${e}`, () => ({
      http_request_method: m,
      http_route: r,
      http_response_status_code: s,
      error_type: e,
    }));
  };

  // A plain integer read at scrape time: the hot path pays no label hashing for the gauge.
  let active = 0;
  reuse(
    registry,
    n('http_server_active_requests'),
    'gauge',
    () =>
      new Gauge({
        name: n('http_server_active_requests'),
        help: 'Number of HTTP server requests in flight.',
        registers,
        collect() {
          this.set(active);
        },
      }),
  );

  return {
    startRequest() {
      active++;
      return clock.now();
    },
    endRequest(startedAt, method, route, status, errorType) {
      active--;
      const seconds = Math.max(0, clock.now() - startedAt) / 1000;
      let series: HistogramSeries | undefined;
      if (errorType === undefined) {
        // Hot path: two Map lookups on values the framework already holds, no string building.
        const code =
          (METHOD_INDEX.get(method) ?? 0) * 1000 +
          (Number.isInteger(status) && status >= 100 && status <= 599 ? status : 0);
        series = fast.get(route ?? '')?.get(code);
        if (series === undefined) {
          const labels = durationLabels(method, route, status, undefined);
          series = duration.series(labels);
          if (labels !== durationGuard.overflowLabels) {
            const key = route ?? '';
            let byCode = fast.get(key);
            if (byCode === undefined) {
              byCode = new Map();
              fast.set(key, byCode);
            }
            byCode.set(code, series);
          }
        }
      } else series = duration.series(durationLabels(method, route, status, errorType));
      duration.observe(series, seconds);
    },
  };
}
