import { ConfigError } from '@portcullis/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, createScrapeHandler } from '../src/index.js';

// Plain JavaScript callers: what they pass is not checked by a compiler.
// biome-ignore lint/suspicious/noExplicitAny: simulating an untyped caller.
const js = (value: unknown): any => value;

describe('metrics factories name a misspelt option and its nearest valid one', () => {
  it('createMetrics({ registery }) suggests registry', () => {
    expect(() => createMetrics(js({ registery: new Registry() }))).toThrow(
      'createMetrics: unknown option "registery"; did you mean "registry"?',
    );
  });

  it('createScrapeHandler({ allowList }) suggests allow', () => {
    const metrics = createMetrics({ registry: new Registry() });
    let caught: unknown;
    try {
      createScrapeHandler(js({ source: metrics, allowList: ['loopback'] }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).suggestion).toBe('allow');
  });
});
