export {
  ACCESS_TOKEN_TYP,
  DEFAULT_ACCESS_TTL_SEC,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_MAX_AGE_MS,
  DEFAULT_JWKS_TIMEOUT_MS,
  DEFAULT_MAX_TOKEN_LENGTH,
  DEFAULT_REFRESH_ABSOLUTE_SEC,
  DEFAULT_REFRESH_GRACE_MS,
  DEFAULT_REFRESH_IDLE_SEC,
  DEFAULT_REQUIRED_CLAIMS,
  DEFAULT_TOKEN_CACHE_MAX,
  ISSUED_AT_MS_CLAIM,
} from './defaults.js';
export { TokenError, type TokenErrorCode, type TokenErrorOptions, type TokenReason } from './errors.js';
export {
  createKeySet,
  createVerificationKeySet,
  generateSigningKey,
  type KeySet,
  type KeySetOptions,
  MIN_HMAC_SECRET_BYTES,
  type TokenAlgorithm,
  type TokenKeyInput,
  type VerificationKey,
  type VerificationKeySet,
} from './keys.js';
export { TOKENS_KIT as moduleKit, type TokensKit } from './kit.js';
export {
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  type MemoryTokenStoreOptions,
} from './memory-stores.js';
export type { RemoteKeySetOptions } from './remote-keys.js';
export { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from './resource-server.js';
export { createTokenService } from './token-service.js';
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
export type {
  AccessTokenClaims,
  AccessTokenVerifier,
  CustomClaims,
  IssueInput,
  RevocationFailurePolicy,
  TokenPair,
  TokenService,
  TokenServiceOptions,
} from './types.js';
