import { describe, expect, it } from 'vitest';
import * as audit from '../src/audit.js';
import * as root from '../src/index.js';
import * as metrics from '../src/metrics.js';
import * as password from '../src/password.js';
import * as rateLimit from '../src/rate-limit.js';
import * as tokens from '../src/tokens.js';
import * as uploads from '../src/uploads.js';

describe('@portcullis/fastify public surface', () => {
  it('exports exactly these names from the root entry', () => {
    expect(Object.keys(root).sort()).toEqual([
      'auditFileAccess',
      'authClaims',
      'clientAddressInput',
      'guardUploads',
      'logoutAllHandler',
      'logoutHandler',
      'metricsHandler',
      'passwordPolicy',
      'passwordResetConfirm',
      'passwordResetRequest',
      'portcullis',
      'portcullisMetrics',
      'portcullisServerOptions',
      'portcullisTokens',
      'rateLimitPlugin',
      'refreshHandler',
      'requestState',
      'requireAuth',
      'sendProblem',
      'sendTokenPair',
    ]);
  });

  it('exports exactly these names from @portcullis/fastify/rate-limit', () => {
    expect(Object.keys(rateLimit).sort()).toEqual(['rateLimitPlugin']);
  });

  it('exports exactly these names from @portcullis/fastify/tokens', () => {
    expect(Object.keys(tokens).sort()).toEqual([
      'authClaims',
      'logoutAllHandler',
      'logoutHandler',
      'portcullisTokens',
      'refreshHandler',
      'requireAuth',
      'sendTokenPair',
    ]);
  });

  it('exports exactly these names from @portcullis/fastify/password', () => {
    expect(Object.keys(password).sort()).toEqual([
      'passwordPolicy',
      'passwordResetConfirm',
      'passwordResetRequest',
    ]);
  });

  it('exports exactly these names from @portcullis/fastify/uploads', () => {
    expect(Object.keys(uploads).sort()).toEqual(['guardUploads']);
  });

  it('exports exactly these names from @portcullis/fastify/audit', () => {
    expect(Object.keys(audit).sort()).toEqual(['auditFileAccess']);
  });

  it('exports exactly these names from @portcullis/fastify/metrics', () => {
    expect(Object.keys(metrics).sort()).toEqual(['metricsHandler', 'portcullisMetrics']);
  });
});
