import { describe, expect, it } from 'vitest';
import * as tokens from '../src/index.js';

describe('@portcullis/tokens public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(tokens).sort()).toEqual([
      'ACCESS_TOKEN_TYP',
      'DEFAULT_ACCESS_TTL_SEC',
      'DEFAULT_CLOCK_TOLERANCE_SEC',
      'DEFAULT_JWKS_COOLDOWN_MS',
      'DEFAULT_JWKS_MAX_AGE_MS',
      'DEFAULT_JWKS_TIMEOUT_MS',
      'DEFAULT_MAX_TOKEN_LENGTH',
      'DEFAULT_REFRESH_ABSOLUTE_SEC',
      'DEFAULT_REFRESH_GRACE_MS',
      'DEFAULT_REFRESH_IDLE_SEC',
      'DEFAULT_REQUIRED_CLAIMS',
      'DEFAULT_TOKEN_CACHE_MAX',
      'ISSUED_AT_MS_CLAIM',
      'MIN_HMAC_SECRET_BYTES',
      'TOKEN_RESPONSE_HEADERS',
      'TokenError',
      'accessTokenCookie',
      'createKeySet',
      'createMemoryRefreshTokenStore',
      'createMemoryRevocationStore',
      'createTokenExtractor',
      'createTokenService',
      'createTokenVerifier',
      'createVerificationKeySet',
      'generateSigningKey',
      'moduleKit',
      'revokeRequestTokens',
      'tokenFromBody',
    ]);
  });
});
