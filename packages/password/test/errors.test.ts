import { describe, expect, it } from 'vitest';
import { PasswordPolicyError, ResetTokenError } from '../src/index.js';
import { validator } from './fixtures.js';

describe('password problem bodies carry a detail that names the fix', () => {
  it('ERR_PASSWORD_POLICY: the failures’ own messages', () => {
    const r = validator.validateSync('short');
    const body = new PasswordPolicyError(r.failures).toProblem();
    expect(body.code).toBe('ERR_PASSWORD_POLICY');
    expect(body.detail).toContain('Use at least 12 characters (this one has 5).');
    expect(body.detail).toBe(r.failures.map((f) => f.message).join(' '));
  });

  it('ERR_PASSWORD_RESET_INVALID: one detail for every cause (it must not tell which)', () => {
    const body = new ResetTokenError().toProblem();
    expect(body).toMatchObject({
      code: 'ERR_PASSWORD_RESET_INVALID',
      detail: 'A reset link works once and for a limited time; request a new one.',
    });
  });
});
