import { describe, expect, it } from 'vitest';
import * as metrics from '../src/metrics.js';

describe('@portcullis/fastify/metrics public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(metrics).sort()).toEqual(['metricsHandler', 'portcullisMetrics']);
  });
});
