import { attachModuleKit, type ModuleKitCarrier } from '@portcullis/core';
import { createScrapeHandler } from './scrape.js';

/**
 * What the adapters need from this module, carried by every metrics instance and cluster
 * aggregator (core's module kit): the adapters import no metrics code, so an app without metrics
 * never loads prom-client.
 */
export interface MetricsKit {
  readonly createScrapeHandler: typeof createScrapeHandler;
}

/** The kit itself, exported as `moduleKit` (loaded by name for an instance the app wrote itself). */
export const METRICS_KIT: MetricsKit = Object.freeze({ createScrapeHandler });

/** Makes a metrics source carry the metrics kit. */
export function withMetricsKit<T extends object>(instance: T): T & ModuleKitCarrier<MetricsKit> {
  return attachModuleKit(instance, METRICS_KIT);
}
