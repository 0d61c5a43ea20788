import { describe, expect, it } from 'vitest';
import * as password from '../src/index.js';

describe('@portcullis/password public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(password).sort()).toEqual([
      'BACKLOG_POLICY',
      'DEFAULT_RESET_TEMPLATES',
      'DEFAULT_SCRYPT_PARAMS',
      'NIST_POLICY',
      'PASSWORD_CATALOGS',
      'PASSWORD_LOCALES',
      'PASSWORD_POLICIES',
      'PasswordError',
      'PasswordHashError',
      'PasswordPolicyError',
      'ResetThrottledError',
      'ResetTokenError',
      'ZXCVBN_SUGGESTIONS',
      'assertResetCompleted',
      'checkPasswordRequest',
      'codePointLength',
      'createConsoleMailer',
      'createHibpBreachProvider',
      'createMemoryResetTokenStore',
      'createOfflineBreachProvider',
      'createPasswordReset',
      'createPasswordValidator',
      'createSmtpMailer',
      'failureMessage',
      'findInRange',
      'hashPassword',
      'hashVerifier',
      'mintResetToken',
      'needsRehash',
      'normalizePassword',
      'parsePasswordHash',
      'parseResetToken',
      'pickLocale',
      'resetConfirmAnswer',
      'resetRequestAnswer',
      'resolvePolicy',
      'sha1Hex',
      'suggestionMessage',
      'verifierMatches',
      'verifyPassword',
    ]);
  });
});
