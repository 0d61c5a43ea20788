import { describe, expect, it } from 'vitest';
import * as testing from '../src/index.js';

describe('@portcullis/testing public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(testing).sort()).toEqual([
      'refreshStoreContract',
      'revocationStoreContract',
      'runRateLimitStoreContract',
      'runResetTokenStoreContract',
    ]);
  });
});
