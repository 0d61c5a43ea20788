/**
 * Refresh-token rotation with reuse detection. Parallel refreshes of one token inside the grace
 * window all get the same successor pair (by design: a client that lost a response, or several
 * tabs racing, must not be logged out); a replay after the window revokes the session.
 */
import { type ServiceContext, viaStore } from './context.js';
import { TokenError, tokenError } from './errors.js';
import { signAccessToken } from './issue.js';
import {
  hashesEqual,
  hashVerifier,
  newRefreshToken,
  openReplay,
  parseRefreshToken,
  sealReplay,
} from './refresh-token.js';
import { revokeSession } from './revoke.js';
import type { CustomClaims, TokenPair } from './types.js';

export async function rotate(ctx: ServiceContext, refreshToken: string): Promise<TokenPair> {
  const fail = (
    reason:
      | 'ERR_TOKEN_MISSING'
      | 'ERR_TOKEN_TOO_LARGE'
      | 'ERR_TOKEN_MALFORMED'
      | 'ERR_TOKEN_INVALID'
      | 'ERR_TOKEN_REVOKED'
      | 'ERR_TOKEN_EXPIRED',
    userId?: string,
  ): never => {
    ctx.publish({ name: 'authn_token_invalid', reason, ...(userId === undefined ? {} : { userId }) });
    throw tokenError(reason);
  };
  if (typeof refreshToken !== 'string' || refreshToken === '') return fail('ERR_TOKEN_MISSING');
  if (refreshToken.length > ctx.maxLength) return fail('ERR_TOKEN_TOO_LARGE');
  const parts = parseRefreshToken(refreshToken);
  if (!parts) return fail('ERR_TOKEN_MALFORMED');
  const now = ctx.clock.now();
  const entry = await viaStore(() => ctx.refreshStore.find(parts.selector, now));
  const presentedHash = hashVerifier(parts.verifier);
  if (!entry || !hashesEqual(entry.verifierHash, presentedHash)) return fail('ERR_TOKEN_INVALID');
  if (entry.state === 'revoked') return fail('ERR_TOKEN_REVOKED', entry.subject);
  const watermark = await viaStore(() => ctx.revocations.subjectWatermark(entry.subject));
  if (entry.familyIssuedAt <= watermark) {
    await viaStore(() => ctx.refreshStore.revokeFamily(entry.familyId, now));
    return fail('ERR_TOKEN_REVOKED', entry.subject);
  }
  const next = newRefreshToken(entry.familyId);
  let extra: CustomClaims = {};
  try {
    extra = JSON.parse(entry.data || '{}') as CustomClaims;
  } catch {
    extra = {};
  }
  const access = await signAccessToken(ctx, entry.subject, extra, entry.familyId, now);
  const pair: TokenPair = {
    access_token: access,
    token_type: 'Bearer',
    expires_in: ctx.accessTtlSec,
    refresh_token: next.token,
  };
  const result = await viaStore(() =>
    ctx.refreshStore.rotate({
      selector: parts.selector,
      verifierHash: presentedHash,
      successor: {
        selector: next.selector,
        verifierHash: hashVerifier(next.verifier),
        familyId: entry.familyId,
        subject: entry.subject,
        issuedAt: now,
        familyIssuedAt: entry.familyIssuedAt,
        expiresAt: Math.min(now + ctx.refreshIdleMs, entry.familyExpiresAt),
        familyExpiresAt: entry.familyExpiresAt,
        data: entry.data,
      },
      replay: sealReplay(parts, JSON.stringify(pair)),
      now,
      graceMs: ctx.graceMs,
    }),
  );
  switch (result.outcome) {
    case 'rotated':
      ctx.publish({
        name: 'authn_token_refreshed',
        userId: entry.subject,
        attributes: { sid: entry.familyId },
      });
      return pair;
    case 'grace': {
      const replayed = openReplay(parts, result.replay);
      if (replayed === undefined) return fail('ERR_TOKEN_INVALID', entry.subject);
      ctx.publish({
        name: 'authn_token_refreshed',
        userId: entry.subject,
        attributes: { sid: entry.familyId, replay: true },
      });
      return JSON.parse(replayed) as TokenPair;
    }
    case 'reused':
      // The family is revoked by the store; its access tokens die with the session.
      await revokeSession(ctx, result.subject, result.familyId);
      ctx.publish({
        name: 'authn_token_reuse',
        userId: result.subject,
        reason: 'ERR_TOKEN_REUSED',
        attributes: { sid: result.familyId },
      });
      throw new TokenError('ERR_TOKEN_REUSED', 'the refresh token was already used; its session is revoked');
    case 'revoked':
      return fail('ERR_TOKEN_REVOKED', entry.subject);
    case 'expired':
      return fail('ERR_TOKEN_EXPIRED', entry.subject);
    default:
      return fail('ERR_TOKEN_INVALID', entry.subject);
  }
}
