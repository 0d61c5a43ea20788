import type { Labels } from './series.js';

/** One series: its labels and its counts, kept as plain numbers. */
export interface HistogramSeries {
  readonly labels: Labels;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
  /** False after a reset until the next observation (prom-client drops reset series too). */
  live: boolean;
}

interface ValuePair {
  labels: Record<string, string | number>;
  sharedLabels: Labels;
  value: number;
  metricName: string;
  exemplar?: null | undefined;
}

/**
 * A histogram collector that prom-client's `Registry` renders, with a hot path of its own.
 *
 * Why: prom-client's `Histogram.observe` builds a closure and a label hash string on every call,
 * validates the labels, and finds the bucket by a number-to-string property lookup: most of the
 * metrics middleware's cost per request. The HTTP histogram's label sets are already cached
 * objects (one per method, route, status), so a series is found by object identity and an
 * observation is a bucket search and three additions. What a scrape reads is prom-client's own
 * shape (the `get`/`getForPromString` values of its `Histogram`), so the registry, the cluster
 * aggregator and the exposition formats are prom-client's. The differential test
 * (test/duration-histogram.test.ts) renders both after the same observations: same text.
 */
export class DurationHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly string[];
  readonly upperBounds: readonly number[];
  #bounds: Float64Array;
  /** Live series, in order of first observation (the order prom-client renders). */
  #series = new Map<Labels, HistogramSeries>();
  /** Every handle given out, so one labels object always maps to one series. */
  #handles = new WeakMap<Labels, HistogramSeries>();

  constructor(options: {
    name: string;
    help: string;
    labelNames: readonly string[];
    buckets: readonly number[];
  }) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    // prom-client sorts and de-duplicates nothing: bounds are given sorted (OTel buckets).
    this.upperBounds = [...options.buckets];
    this.#bounds = Float64Array.from(options.buckets);
  }

  /**
   * A handle on the series of `labels` (a cached labels object: series are told apart by object
   * identity). It enters the output on its first observation, as in prom-client.
   */
  series(labels: Labels): HistogramSeries {
    let s = this.#series.get(labels) ?? this.#handles.get(labels);
    if (s === undefined) {
      s = { labels, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0, live: false };
      this.#handles.set(labels, s);
    }
    return s;
  }

  /**
   * Records `value` in `series` (a handle from {@link DurationHistogram.series}; it stays valid
   * across resets). A value that is not a finite number is ignored (prom-client would throw in
   * the middle of a request).
   */
  observe(series: HistogramSeries, value: number): void {
    if (!Number.isFinite(value)) return;
    if (!series.live) {
      series.live = true;
      this.#series.set(series.labels, series);
    }
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]! += 1;
    series.sum += value;
    series.count += 1;
  }

  /** Drops every series from the output and zeroes it, as prom-client's `reset` does. */
  reset(): void {
    for (const s of this.#series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
      s.live = false;
    }
    this.#series.clear();
  }

  /** The values as prom-client's `Histogram.getForPromString` gives them (shared labels apart). */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: ValuePair[];
    aggregator: 'sum';
  }> {
    const values: ValuePair[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.#series.values()) {
      let acc = 0;
      for (let i = 0; i < this.upperBounds.length; i++) {
        acc += s.counts[i]!;
        values.push({
          labels: { le: this.upperBounds[i]! },
          sharedLabels: s.labels,
          value: acc,
          metricName: bucketName,
          exemplar: null,
        });
      }
      values.push({
        labels: { le: '+Inf' },
        sharedLabels: s.labels,
        value: s.count,
        metricName: bucketName,
        exemplar: null,
      });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    });
  }

  /** The values as prom-client's `Histogram.get` gives them (labels merged). */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: {
      labels: Record<string, string | number>;
      value: number;
      metricName: string;
      exemplar?: null | undefined;
    }[];
    aggregator: 'sum';
  }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }
}
