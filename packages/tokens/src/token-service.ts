import { resolveContext } from './context.js';
import { issueAccess, issuePair } from './issue.js';
import { withTokensKit } from './kit.js';
import { rotate } from './refresh.js';
import { revokeSubject, revokeToken } from './revoke.js';
import type { AccessTokenClaims, CustomClaims, TokenService, TokenServiceOptions } from './types.js';

/**
 * Creates the token service: issues RFC 9068 access tokens and rotating refresh tokens, verifies
 * access tokens synchronously on node:crypto keys (jose signs), refreshes and revokes.
 *
 * @example
 * ```ts
 * const keys = await createKeySet({ currentKid: 'k1', keys: [await generateSigningKey('EdDSA', 'k1')] });
 * const tokens = createTokenService({ keys, issuer: 'https://api.example', audience: 'api' });
 * const pair = await tokens.issue({ subject: 'user-42' });
 * const claims = await tokens.verify(pair.access_token);
 * const next = await tokens.refresh(pair.refresh_token);
 * await tokens.revokeAll('user-42');
 * ```
 */
export function createTokenService<C extends CustomClaims = CustomClaims>(
  options: TokenServiceOptions,
): TokenService<C> {
  const ctx = resolveContext(options);
  const { verifier } = ctx;
  return withTokensKit({
    accessTtlSec: ctx.accessTtlSec,
    issue: (input) => issuePair(ctx, input),
    issueAccessToken: (input) => issueAccess(ctx, input),
    verify: (token) => verifier.verify(token) as Promise<AccessTokenClaims<C>>,
    refresh: (refreshToken) => rotate(ctx, refreshToken),
    revoke: (token) => revokeToken(ctx, token),
    revokeAll: (subject) => revokeSubject(ctx, subject),
    jwks: () => ({ keys: ctx.keys.jwks.keys.map((k) => ({ ...k })) }),
  });
}
