import { ConfigError } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import { createMimeGuard } from '../src/index.js';

describe('createMimeGuard options', () => {
  it('names a misspelt option and its nearest valid one (maxFilesize → maxFileSize)', () => {
    // biome-ignore lint/suspicious/noExplicitAny: simulating an untyped caller.
    const create = () => createMimeGuard({ maxFilesize: 1024 } as any);
    expect(create).toThrow(ConfigError);
    expect(create).toThrow('createMimeGuard: unknown option "maxFilesize"; did you mean "maxFileSize"?');
  });
});
