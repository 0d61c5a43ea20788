import { ConfigError } from '@portcullis/core';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OVERFLOW_LABEL } from './labels.js';

/** One series' labels. */
export type Labels = Record<string, string>;

export interface SeriesGuard {
  /** The cached labels of `key`, made on first sight while the budget lasts, else the overflow labels. */
  labelsFor(key: string, make: () => Labels): Labels;
  readonly overflowLabels: Labels;
}

/**
 * Caps the label combinations of one metric: the first `budget` distinct keys get their own
 * labels object (cached, so the hot path allocates nothing), later ones share the overflow one.
 */
export function createSeriesGuard(
  metricName: string,
  labelNames: readonly string[],
  budget: number,
  overflow: Counter<'metric'>,
): SeriesGuard {
  const seen = new Map<string, Labels>();
  const overflowLabels: Labels = Object.fromEntries(labelNames.map((n) => [n, OVERFLOW_LABEL]));
  const overflowSelf = { metric: metricName };
  const labelsFor = (key: string, make: () => Labels): Labels => {
    const hit = seen.get(key);
    if (hit !== undefined) return hit;
    if (seen.size >= budget) {
      overflow.inc(overflowSelf);
      return overflowLabels;
    }
    const labels = make();
    seen.set(key, labels);
    return labels;
  };
  return { labelsFor, overflowLabels };
}

/**
 * The collector `name` of `registry`, created on first use. Hot reload evaluates our module again
 * against the same registry: the existing collector is adopted (a type clash is a ConfigError).
 */
export function reuse<T extends Counter<string> | Gauge<string> | Histogram<string>>(
  registry: Registry,
  name: string,
  type: 'counter' | 'gauge' | 'histogram',
  create: () => T,
): T {
  const existing = registry.getSingleMetric(name) as { type?: unknown } | undefined;
  if (existing === undefined) return create();
  if (existing.type !== type) {
    throw new ConfigError(
      `metric ${name} is already registered as a ${String(existing.type)}, not a ${type}`,
    );
  }
  return existing as T;
}
