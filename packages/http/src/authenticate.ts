import { type HeaderSource, requireMethods } from '@portcullis/core';
import type { AccessTokenClaims, AccessTokenVerifier, TokenExtractorOptions } from '@portcullis/tokens';
import { tokensKit } from './kits.js';

/** Verifies the access token a request carries; rejects with the module's `TokenError`. */
export type BearerAuthenticator = (headers: HeaderSource) => Promise<AccessTokenClaims>;

/**
 * What every adapter's `requireAuth` decides, in one place: the token from `Authorization:
 * Bearer` (or the configured `__Host-` cookie), `ERR_TOKEN_MISSING` when there is none, then the
 * verifier's checks (signature, claims, revocation). Adapters only read the headers and write the
 * outcome. `tokens` is checked at set-up, not per request.
 */
export function createBearerAuthenticator(
  tokens: AccessTokenVerifier,
  options: TokenExtractorOptions = {},
): BearerAuthenticator {
  requireMethods(
    'requireAuth',
    tokens,
    ['verify'],
    'a token service (createTokenService) or a verifier (createTokenVerifier)',
  );
  const kit = tokensKit(tokens);
  const extract = kit.createTokenExtractor(options);
  return async (headers) => {
    const token = extract(headers);
    if (token === undefined) throw kit.missingToken();
    return tokens.verify(token);
  };
}
