import { describe, expect, it } from 'vitest';
import * as metrics from '../src/index.js';

describe('@portcullis/metrics public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(metrics).sort()).toEqual([
      'DEFAULT_SERIES_BUDGET',
      'KNOWN_HTTP_METHODS',
      'MetricsError',
      'OPENMETRICS_CONTENT_TYPE',
      'OTEL_HTTP_DURATION_BUCKETS',
      'OTHER_METHOD',
      'OVERFLOW_LABEL',
      'PROMETHEUS_CONTENT_TYPE',
      'UNMATCHED_ROUTE',
      'createClusterAggregator',
      'createMetrics',
      'createScrapeHandler',
      'errorTypeOf',
      'exposeToCluster',
      'moduleKit',
      'negotiateFormat',
      'normalizeMethod',
      'normalizeRoute',
      'normalizeStatus',
      'renderRegistry',
    ]);
  });
});
