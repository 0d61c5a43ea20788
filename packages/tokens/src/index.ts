export { TokenError, type TokenErrorCode } from './errors.js';
export {
  createKeySet,
  generateSigningKey,
  type KeySet,
  type KeySetOptions,
  MIN_HMAC_SECRET_BYTES,
  type TokenAlgorithm,
  type TokenKeyInput,
  type VerificationKey,
} from './keys.js';
export {
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  type MemoryTokenStoreOptions,
} from './memory-stores.js';
export {
  ACCESS_TOKEN_TYP,
  type AccessTokenClaims,
  type CustomClaims,
  createTokenService,
  DEFAULT_ACCESS_TTL_SEC,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_MAX_TOKEN_LENGTH,
  DEFAULT_REFRESH_ABSOLUTE_SEC,
  DEFAULT_REFRESH_GRACE_MS,
  DEFAULT_REFRESH_IDLE_SEC,
  ISSUED_AT_MS_CLAIM,
  type IssueInput,
  type RevocationFailurePolicy,
  type TokenPair,
  type TokenService,
  type TokenServiceOptions,
} from './token-service.js';
export {
  accessTokenCookie,
  createTokenExtractor,
  type LogoutRequest,
  revokeRequestTokens,
  TOKEN_RESPONSE_HEADERS,
  type TokenExtractor,
  type TokenExtractorOptions,
  tokenFromBody,
} from './transport.js';
