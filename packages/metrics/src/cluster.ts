import { AggregatorRegistry, type Registry } from 'prom-client';
import { type Exposition, PROMETHEUS_CONTENT_TYPE } from './exposition-format.js';
import { withMetricsKit } from './kit.js';
import type { Metrics, MetricsSource } from './metrics.js';

/** Options of {@link createClusterAggregator}. */
export interface ClusterAggregatorOptions {
  /** Reserved for future use; the aggregate is always rendered as Prometheus text 0.0.4. */
  readonly format?: 'prometheus' | undefined;
}

/**
 * In the `node:cluster` primary: a {@link MetricsSource} whose scrape asks every worker for its
 * metrics over IPC (prom-client's `AggregatorRegistry`) and reports the sum (counters,
 * histograms and in-flight gauges add up across workers). Workers call {@link exposeToCluster}.
 *
 * The aggregate is always Prometheus text 0.0.4: prom-client aggregates into that format only,
 * and every Prometheus-compatible scraper reads it.
 *
 * @example
 * ```ts
 * if (cluster.isPrimary) {
 *   const scrape = createScrapeHandler({ source: createClusterAggregator(), token });
 *   // serve scrape() on a port of the primary; fork the workers
 * } else {
 *   exposeToCluster(createMetrics());
 * }
 * ```
 */
export function createClusterAggregator(_options: ClusterAggregatorOptions = {}): MetricsSource {
  const aggregator = new AggregatorRegistry();
  return withMetricsKit({
    async scrape(): Promise<Exposition> {
      return { contentType: PROMETHEUS_CONTENT_TYPE, body: await aggregator.clusterMetrics() };
    },
  });
}

/**
 * In a `node:cluster` worker: answers the primary's metric requests with this registry (or these
 * metrics). Idempotent; the last call decides which registries are reported.
 */
export function exposeToCluster(source: Metrics | Registry | readonly Registry[]): void {
  const registries =
    'registry' in source && !Array.isArray(source)
      ? [(source as Metrics).registry]
      : ([] as Registry[]).concat(source as Registry);
  AggregatorRegistry.setRegistries(registries);
  // Constructing one installs prom-client's worker-side IPC listener (once per process).
  new AggregatorRegistry();
}
