import { describe, expect, it } from 'vitest';
import * as audit from '../src/audit.js';
import * as root from '../src/index.js';
import * as metrics from '../src/metrics.js';
import * as password from '../src/password.js';
import * as rateLimit from '../src/rate-limit.js';
import * as tokens from '../src/tokens.js';
import * as uploads from '../src/uploads.js';

describe('@portcullis/hono public surface', () => {
  it('exports exactly these names from the root entry', () => {
    expect(Object.keys(root).sort()).toEqual([
      'auditFileAccess',
      'authClaims',
      'clientAddressInput',
      'guardUploads',
      'logoutAllHandler',
      'logoutHandler',
      'metricsHandler',
      'metricsMiddleware',
      'passwordPolicy',
      'passwordResetConfirm',
      'passwordResetRequest',
      'portcullis',
      'problemResponse',
      'rateLimit',
      'readJsonBody',
      'refreshHandler',
      'requestState',
      'requireAuth',
      'sendProblem',
      'sendTokenPair',
      'tokenPairResponse',
    ]);
  });

  it('exports exactly these names from @portcullis/hono/rate-limit', () => {
    expect(Object.keys(rateLimit).sort()).toEqual(['rateLimit']);
  });

  it('exports exactly these names from @portcullis/hono/tokens', () => {
    expect(Object.keys(tokens).sort()).toEqual([
      'authClaims',
      'logoutAllHandler',
      'logoutHandler',
      'refreshHandler',
      'requireAuth',
      'sendTokenPair',
      'tokenPairResponse',
    ]);
  });

  it('exports exactly these names from @portcullis/hono/password', () => {
    expect(Object.keys(password).sort()).toEqual([
      'passwordPolicy',
      'passwordResetConfirm',
      'passwordResetRequest',
    ]);
  });

  it('exports exactly these names from @portcullis/hono/uploads', () => {
    expect(Object.keys(uploads).sort()).toEqual(['guardUploads']);
  });

  it('exports exactly these names from @portcullis/hono/audit', () => {
    expect(Object.keys(audit).sort()).toEqual(['auditFileAccess']);
  });

  it('exports exactly these names from @portcullis/hono/metrics', () => {
    expect(Object.keys(metrics).sort()).toEqual(['metricsHandler', 'metricsMiddleware']);
  });
});
