import { ConfigError } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createAuditLog, createFileSink, createMemorySink, createPinoSink } from '../src/index.js';

// Plain JavaScript callers: what they pass is not checked by a compiler.
// biome-ignore lint/suspicious/noExplicitAny: simulating an untyped caller.
const js = (value: unknown): any => value;

describe('audit factories name a misspelt option and its nearest valid one', () => {
  it.each([
    [
      'createAuditLog',
      () => createAuditLog(js({ app: 'api', sink: createMemorySink(), batchsize: 10 })),
      'batchSize',
    ],
    ['createFileSink', () => createFileSink(js({ dir: '/tmp', retainfiles: 3 })), 'retainFiles'],
    ['createPinoSink', () => createPinoSink(js({ info() {} }), js({ msg: 'audit' })), 'message'],
  ])('%s', (name, create, suggestion) => {
    let caught: unknown;
    try {
      create();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).detail).toContain(`${name}: unknown option`);
    expect((caught as ConfigError).suggestion).toBe(suggestion);
  });
});
