import { attachModuleKit, type ModuleKitCarrier } from '@portcullis/core';
import { TokenError } from './errors.js';
import { createTokenExtractor, revokeRequestTokens, tokenFromBody } from './transport.js';

/**
 * What the adapters need from this module, carried by every token service and verifier (core's
 * module kit): the adapters import no tokens code, so an app without tokens never loads jose.
 */
export interface TokensKit {
  readonly createTokenExtractor: typeof createTokenExtractor;
  readonly tokenFromBody: typeof tokenFromBody;
  readonly revokeRequestTokens: typeof revokeRequestTokens;
  /** The `ERR_TOKEN_MISSING` error of a request that sent no token. */
  missingToken(): TokenError;
}

/** The kit itself, exported as `moduleKit` (loaded by name for an instance the app wrote itself). */
export const TOKENS_KIT: TokensKit = Object.freeze({
  createTokenExtractor,
  tokenFromBody,
  revokeRequestTokens,
  missingToken: () => new TokenError('ERR_TOKEN_MISSING'),
});

/** Makes a token service or verifier carry the tokens kit. */
export function withTokensKit<T extends object>(instance: T): T & ModuleKitCarrier<TokensKit> {
  return attachModuleKit(instance, TOKENS_KIT);
}
