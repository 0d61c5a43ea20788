import { describe, expect, it } from 'vitest';
import { TokenError } from '../src/index.js';

describe('TokenError details', () => {
  it('gives ERR_TOKEN_MISSING a detail naming the fix when none is passed', () => {
    const err = new TokenError('ERR_TOKEN_MISSING');
    expect(err.detail).toMatch(/Authorization: Bearer/);
    expect(err.toProblem().detail).toBe(err.detail);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer');
  });

  it('keeps a detail the caller passes', () => {
    expect(new TokenError('ERR_TOKEN_MISSING', 'no refresh token').detail).toBe('no refresh token');
  });
});
