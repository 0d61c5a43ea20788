/**
 * Revocation: one access token, a whole session (`sid`: its refresh family and every access
 * token issued with it), or everything of a subject ("log out everywhere").
 */
import { type ServiceContext, viaStore } from './context.js';
import { TokenError } from './errors.js';
import { checkSubject } from './issue.js';
import { COMPACT_JWS } from './jws.js';
import { hashesEqual, hashVerifier, parseRefreshToken } from './refresh-token.js';
import type { AccessTokenClaims } from './types.js';
import { sessionKeyOf } from './verifier.js';

/**
 * Revokes session `sid` of `subject`: its refresh family and, through the revocation store,
 * every access token carrying that `sid` (checked on every verification, cached ones included).
 * Resolves `true` when either part was not revoked before.
 */
export async function revokeSession(ctx: ServiceContext, subject: string, sid: string): Promise<boolean> {
  const now = ctx.clock.now();
  const family = await viaStore(() => ctx.refreshStore.revokeFamily(sid, now));
  const session = await viaStore(() =>
    ctx.revocations.revokeSession(subject, sessionKeyOf(ctx.issuer, sid), now + ctx.sessionTtlMs),
  );
  return family || session;
}

/**
 * Logout with any token. A refresh token ends its session. An access token is blocklisted by
 * `jti` and, when it carries a `sid`, ends its session too: logging out with the newest access
 * token also kills the earlier ones of the same login (RFC 7009 section 2.1 lets revoking one
 * token revoke others of the same grant). Unknown and invalid tokens resolve quietly (RFC 7009
 * section 2.2); store failures reject.
 */
export async function revokeToken(ctx: ServiceContext, token: string): Promise<void> {
  if (typeof token !== 'string' || token === '' || token.length > ctx.maxLength) return;
  const now = ctx.clock.now();
  const parts = parseRefreshToken(token);
  if (parts) {
    const entry = await viaStore(() => ctx.refreshStore.find(parts.selector, now));
    if (!entry || !hashesEqual(entry.verifierHash, hashVerifier(parts.verifier))) return;
    if (await revokeSession(ctx, entry.subject, entry.familyId))
      ctx.publish({
        name: 'authn_token_revoked',
        userId: entry.subject,
        attributes: { sid: entry.familyId, kind: 'refresh' },
      });
    return;
  }
  if (!COMPACT_JWS.test(token)) return;
  let claims: AccessTokenClaims;
  try {
    claims = await ctx.verifier.authenticate(token);
  } catch (err) {
    if (err instanceof TokenError) return;
    throw err;
  }
  const { tokenKey } = ctx.verifier.refOf(claims, token);
  const fresh = await viaStore(() =>
    ctx.revocations.revokeToken(tokenKey, claims.sub, (claims.exp + ctx.toleranceSec) * 1000),
  );
  const sid = claims.sid;
  if (sid !== undefined) await revokeSession(ctx, claims.sub, sid);
  if (fresh)
    ctx.publish({
      name: 'authn_token_revoked',
      userId: claims.sub,
      attributes: { ...(claims.jti === undefined ? {} : { jti: claims.jti }), kind: 'access' },
    });
}

/** "Log out everywhere": every token of `subject` issued at or before now. */
export async function revokeSubject(ctx: ServiceContext, subject: string): Promise<void> {
  checkSubject(subject);
  // Tokens carry their issue time in ms; "issued at or before now" also covers a token minted
  // in the same second (or millisecond) as the logout.
  await viaStore(() => ctx.revocations.revokeSubject(subject, ctx.clock.now(), ctx.watermarkTtlMs));
  ctx.publish({ name: 'authn_token_revoked_all', userId: subject });
}
