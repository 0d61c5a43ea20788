/** Issuing: signing access tokens (RFC 9068 profile) and starting refresh-token families. */
import { randomBytes, randomUUID } from 'node:crypto';
import { ConfigError } from '@portcullis/core';
import { SignJWT } from 'jose';
import { type ServiceContext, viaStore } from './context.js';
import { ACCESS_TOKEN_TYP, ISSUED_AT_MS_CLAIM } from './defaults.js';
import { hashVerifier, newRefreshToken } from './refresh-token.js';
import type { CustomClaims, IssueInput, TokenPair } from './types.js';

/** Claims Portcullis sets itself; an application cannot override them. */
const RESERVED = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'sid',
  'client_id',
  ISSUED_AT_MS_CLAIM,
]);

export function checkSubject(subject: unknown): asserts subject is string {
  if (typeof subject !== 'string' || subject === '')
    throw new ConfigError('tokens: subject must be a non-empty string');
}

export function checkCustomClaims(claims: CustomClaims | undefined): CustomClaims {
  if (claims === undefined) return {};
  for (const k of Object.keys(claims))
    if (RESERVED.has(k))
      throw new ConfigError(`tokens: claim "${k}" is set by Portcullis and cannot be overridden`);
  return claims;
}

/**
 * Signs an access token with the RFC 9068 section 2.2 claims: `iss`, `exp`, `aud`, `sub`,
 * `client_id`, `iat`, `jti` (all required there), plus `sid` (the session) and `iat_ms`.
 */
export function signAccessToken(
  ctx: ServiceContext,
  subject: string,
  claims: CustomClaims,
  sid: string | undefined,
  nowMs: number,
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const payload = sid === undefined ? { ...claims } : { ...claims, sid };
  return new SignJWT({ ...payload, client_id: ctx.clientId, [ISSUED_AT_MS_CLAIM]: nowMs })
    .setProtectedHeader({ alg: ctx.keys.signing.alg, kid: ctx.keys.signing.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(ctx.issuer)
    .setAudience(ctx.audience)
    .setSubject(subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ctx.accessTtlSec)
    .setJti(randomUUID())
    .sign(ctx.keys.signing.key);
}

/** Login: an access token and the first refresh token of a new family (the session, `sid`). */
export async function issuePair<C extends CustomClaims>(
  ctx: ServiceContext,
  input: IssueInput<C>,
): Promise<TokenPair> {
  const { subject } = input;
  checkSubject(subject);
  const extra = checkCustomClaims(input.claims);
  const now = ctx.clock.now();
  const familyId = randomBytes(16).toString('base64url');
  const rt = newRefreshToken(familyId);
  await viaStore(() =>
    ctx.refreshStore.create({
      selector: rt.selector,
      verifierHash: hashVerifier(rt.verifier),
      familyId,
      subject,
      issuedAt: now,
      familyIssuedAt: now,
      expiresAt: Math.min(now + ctx.refreshIdleMs, now + ctx.refreshAbsoluteMs),
      familyExpiresAt: now + ctx.refreshAbsoluteMs,
      data: JSON.stringify(extra),
    }),
  );
  const access = await signAccessToken(ctx, subject, extra, familyId, now);
  ctx.publish({ name: 'authn_token_created', userId: subject, attributes: { sid: familyId } });
  return {
    access_token: access,
    token_type: 'Bearer',
    expires_in: ctx.accessTtlSec,
    refresh_token: rt.token,
  };
}

/** An access token alone, without a session: revocable by `jti` and by the subject watermark. */
export async function issueAccess<C extends CustomClaims>(
  ctx: ServiceContext,
  input: IssueInput<C>,
): Promise<{ readonly access_token: string; readonly expires_in: number }> {
  checkSubject(input.subject);
  const access = await signAccessToken(
    ctx,
    input.subject,
    checkCustomClaims(input.claims),
    undefined,
    ctx.clock.now(),
  );
  ctx.publish({ name: 'authn_token_created', userId: input.subject });
  return { access_token: access, expires_in: ctx.accessTtlSec };
}
