export { type ClusterAggregatorOptions, createClusterAggregator, exposeToCluster } from './cluster.js';
export { MetricsError, type MetricsErrorCode, type MetricsErrorOptions } from './errors.js';
export {
  type Exposition,
  type ExpositionFormat,
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderRegistry,
} from './exposition-format.js';
export { METRICS_KIT as moduleKit, type MetricsKit } from './kit.js';
export {
  errorTypeOf,
  KNOWN_HTTP_METHODS,
  normalizeMethod,
  normalizeRoute,
  normalizeStatus,
  OTHER_METHOD,
  OVERFLOW_LABEL,
  UNMATCHED_ROUTE,
} from './labels.js';
export {
  type AuditOutcome,
  createMetrics,
  DEFAULT_SERIES_BUDGET,
  type Metrics,
  type MetricsOptions,
  type MetricsSource,
  OTEL_HTTP_DURATION_BUCKETS,
  type RateLimitOutcome,
  type TokenVerificationOutcome,
  type UploadOutcome,
} from './metrics.js';
export {
  createScrapeHandler,
  type ScrapeHandler,
  type ScrapeHandlerOptions,
  type ScrapeRequest,
  type ScrapeResult,
} from './scrape.js';
