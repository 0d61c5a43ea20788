/**
 * The attack suite: each forged or hostile token gets exactly the expected typed error and
 * nothing else (never a 500, never an accepted token).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mintResetToken } from '../../password/src/reset-token.js';
import { TokenError } from '../src/index.js';
import { AUDIENCE, codeOf, edSigner, esSigner, forge, hsSigner, ISSUER, setup } from './helpers.js';

const HEADER = { alg: 'EdDSA', kid: 'ed1', typ: 'at+jwt' };

describe('createTokenService: attack suite', () => {
  afterEach(() => vi.restoreAllMocks());

  it('accepts the hand-forged baseline (so every refusal below is about the one thing changed)', async () => {
    const { tokens, ed, claims } = await setup();
    const token = forge(HEADER, claims(), edSigner(ed.privateKey));
    expect((await tokens.verify(token)).sub).toBe('user-1');
  });

  it('refuses HS256 forged with the public key as the HMAC secret (algorithm confusion)', async () => {
    const { tokens, ed, ec, claims } = await setup();
    for (const [kid, pub] of [
      ['ed1', ed.publicKey],
      ['ec1', ec.publicKey],
    ] as const) {
      for (const secret of [
        pub.export({ format: 'pem', type: 'spki' }),
        JSON.stringify(pub.export({ format: 'jwk' })),
      ]) {
        const token = forge({ alg: 'HS256', kid, typ: 'at+jwt' }, claims(), hsSigner(secret));
        expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_INVALID');
      }
    }
  });

  it('refuses alg none, with or without a signature', async () => {
    const { tokens, claims } = await setup();
    expect(await codeOf(tokens.verify(forge({ alg: 'none', typ: 'at+jwt' }, claims(), 'none')))).toBe(
      'ERR_TOKEN_MALFORMED',
    );
    const withSig = `${forge({ alg: 'none', kid: 'ed1', typ: 'at+jwt' }, claims(), 'none')}AAAA`;
    expect(await codeOf(tokens.verify(withSig))).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses a stripped signature', async () => {
    const { tokens, ed, claims } = await setup();
    const token = forge(HEADER, claims(), edSigner(ed.privateKey));
    const stripped = token.slice(0, token.lastIndexOf('.') + 1);
    expect(await codeOf(tokens.verify(stripped))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('refuses a signature from the right key moved to another kid (alg pinned per key)', async () => {
    const { tokens, ed, claims } = await setup();
    const token = forge({ ...HEADER, kid: 'ec1' }, claims(), edSigner(ed.privateKey));
    expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses kid values that are paths, SQL or missing', async () => {
    const { tokens, ed, claims } = await setup();
    for (const kid of ['../../../../dev/null', "' OR '1'='1", 'ed1; DROP TABLE keys', '', 42, null]) {
      const token = forge({ ...HEADER, kid }, claims(), edSigner(ed.privateKey));
      expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_INVALID');
    }
    const { kid: _k, ...noKid } = HEADER;
    expect(await codeOf(tokens.verify(forge(noKid, claims(), edSigner(ed.privateKey))))).toBe(
      'ERR_TOKEN_INVALID',
    );
  });

  it('never follows jku, x5u, jwk or x5c and refuses tokens that carry them', async () => {
    const { tokens, ed, claims } = await setup();
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const extra = [
      { jku: 'https://attacker.example/jwks.json' },
      { x5u: 'https://attacker.example/cert.pem' },
      { jwk: ed.publicKey.export({ format: 'jwk' }) },
      { x5c: ['MIIB'] },
    ];
    for (const h of extra) {
      const token = forge({ ...HEADER, ...h }, claims(), edSigner(ed.privateKey));
      expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_INVALID');
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('refuses an unknown crit header', async () => {
    const { tokens, ed, claims } = await setup();
    const token = forge(
      { ...HEADER, crit: ['urn:example:must-understand'], 'urn:example:must-understand': 1 },
      claims(),
      edSigner(ed.privateKey),
    );
    expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses a wrong or missing typ (a reset or ID token is not an access token)', async () => {
    const { tokens, ed, claims } = await setup();
    for (const typ of ['JWT', 'reset+jwt', undefined]) {
      const token = forge(
        { alg: 'EdDSA', kid: 'ed1', ...(typ ? { typ } : {}) },
        claims(),
        edSigner(ed.privateKey),
      );
      expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_INVALID');
    }
  });

  it('refuses a token with a required claim missing', async () => {
    const { tokens, ed, claims } = await setup();
    const reasons: Record<string, string> = {
      exp: 'ERR_TOKEN_CLAIMS',
      iat: 'ERR_TOKEN_CLAIMS',
      jti: 'ERR_TOKEN_CLAIMS',
      sub: 'ERR_TOKEN_CLAIMS',
      iss: 'ERR_TOKEN_ISSUER',
      aud: 'ERR_TOKEN_AUDIENCE',
    };
    for (const [missing, reason] of Object.entries(reasons)) {
      const c: Record<string, unknown> = claims();
      delete c[missing];
      const token = forge(HEADER, c, edSigner(ed.privateKey));
      const err = (await tokens.verify(token).catch((e: unknown) => e)) as TokenError;
      expect([missing, err.code, err.reason]).toEqual([missing, 'ERR_TOKEN_INVALID', reason]);
    }
  });

  it('never requires the private iat_ms claim; without it "log out everywhere" compares iat seconds', async () => {
    const { tokens, ed, claims, clock } = await setup();
    const c: Record<string, unknown> = claims();
    delete c.iat_ms;
    expect((await tokens.verify(forge(HEADER, c, edSigner(ed.privateKey)))).sub).toBe('user-1');
    // Logout at +200 ms, a token minted at +700 ms of the same second: with iat_ms it passes;
    // with iat seconds alone it counts as issued before the logout (refused, the documented edge).
    clock.advance(200);
    await tokens.revokeAll('user-1');
    clock.advance(500);
    const withMs = forge(HEADER, claims({ iat_ms: clock.now() }), edSigner(ed.privateKey));
    expect((await tokens.verify(withMs)).sub).toBe('user-1');
    const secondsOnly: Record<string, unknown> = claims();
    delete secondsOnly.iat_ms;
    expect(await codeOf(tokens.verify(forge(HEADER, secondsOnly, edSigner(ed.privateKey))))).toBe(
      'ERR_TOKEN_REVOKED',
    );
  });

  it('refuses non-numeric exp, iat and iat_ms', async () => {
    const { tokens, ed, claims, nowSec } = await setup();
    for (const bad of [
      { exp: String(nowSec() + 600) },
      { iat: String(nowSec()) },
      { iat_ms: 'now' },
      { exp: null },
    ]) {
      const token = forge(HEADER, claims(bad), edSigner(ed.privateKey));
      expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_INVALID');
    }
  });

  it('refuses an iat in the future beyond the tolerance', async () => {
    const { tokens, ed, claims, nowSec } = await setup();
    const token = forge(
      HEADER,
      claims({ iat: nowSec() + 120, exp: nowSec() + 700 }),
      edSigner(ed.privateKey),
    );
    expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses a token expired beyond the clock tolerance', async () => {
    const { tokens, ed, claims, nowSec } = await setup();
    const token = forge(HEADER, claims({ iat: nowSec() - 700, exp: nowSec() - 31 }), edSigner(ed.privateKey));
    expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('refuses a token older than the access lifetime even if its exp says otherwise', async () => {
    const { tokens, ed, claims, nowSec } = await setup();
    const token = forge(
      HEADER,
      claims({ iat: nowSec() - 7200, exp: nowSec() + 86_400 }),
      edSigner(ed.privateKey),
    );
    expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('refuses another issuer or audience', async () => {
    const { tokens, ed, claims } = await setup();
    expect(
      await codeOf(
        tokens.verify(forge(HEADER, claims({ iss: 'https://evil.example' }), edSigner(ed.privateKey))),
      ),
    ).toBe('ERR_TOKEN_INVALID');
    expect(
      await codeOf(tokens.verify(forge(HEADER, claims({ aud: 'other-api' }), edSigner(ed.privateKey)))),
    ).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses a refresh token sent as an access token', async () => {
    const { tokens } = await setup();
    const pair = await tokens.issue({ subject: 'user-1' });
    expect(await codeOf(tokens.verify(pair.refresh_token))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('refuses a password-reset token as an access token and as a refresh token', async () => {
    const { tokens } = await setup();
    const { token } = mintResetToken('u1');
    expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_MALFORMED');
    // Same selector.verifier shape, but its selector is in another store: unknown here.
    expect(await codeOf(tokens.refresh(token))).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses an access token sent as a refresh token', async () => {
    const { tokens } = await setup();
    const pair = await tokens.issue({ subject: 'user-1' });
    expect(await codeOf(tokens.refresh(pair.access_token))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('keeps a revoked ES256 token revoked when its signature is made malleable (s -> n - s), cached or not', async () => {
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    for (const cache of [undefined, { max: 100 }]) {
      const { tokens } = await setup({ current: 'ec1', cache });
      const { access_token } = await tokens.issue({ subject: 'user-1' });
      await tokens.verify(access_token);
      await tokens.revoke(access_token);
      const [h, p, s] = access_token.split('.') as [string, string, string];
      const sig = Buffer.from(s, 'base64url');
      const sValue = BigInt(`0x${sig.subarray(32).toString('hex')}`);
      const flipped = Buffer.from((n - sValue).toString(16).padStart(64, '0'), 'hex');
      const malleated = `${h}.${p}.${Buffer.concat([sig.subarray(0, 32), flipped]).toString('base64url')}`;
      expect(malleated).not.toBe(access_token);
      // WebCrypto accepts high-S signatures, so this one verifies: the blocklist keyed by (iss, jti), not
      // by the token bytes, is what refuses it.
      expect(await codeOf(tokens.verify(malleated))).toBe('ERR_TOKEN_REVOKED');
    }
  });

  it('refuses a 1 MB token before any parsing', async () => {
    const { tokens } = await setup();
    const big = `${'a'.repeat(500_000)}.${'b'.repeat(500_000)}.c`;
    expect(await codeOf(tokens.verify(big))).toBe('ERR_TOKEN_TOO_LARGE');
  });

  it('refuses a token signed for another audience by our own ES256 key', async () => {
    const { tokens, ec, claims } = await setup();
    const token = forge(
      { alg: 'ES256', kid: 'ec1', typ: 'at+jwt' },
      claims({ aud: [AUDIENCE.toUpperCase()], iss: ISSUER }),
      esSigner(ec.privateKey),
    );
    expect(await codeOf(tokens.verify(token))).toBe('ERR_TOKEN_INVALID');
  });

  it('answers any string with a TokenError and nothing else (fuzz)', async () => {
    const { tokens } = await setup({ cache: { max: 10 } });
    const codes = new Set([
      'ERR_TOKEN_MISSING',
      'ERR_TOKEN_MALFORMED',
      'ERR_TOKEN_TOO_LARGE',
      'ERR_TOKEN_INVALID',
    ]);
    const jwsLike = fc
      .tuple(fc.base64String(), fc.base64String(), fc.base64String())
      .map((parts) =>
        parts.map((p) => p.replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '')).join('.'),
      );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), jwsLike), async (s) => {
        const err = await tokens.verify(s).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(TokenError);
        expect(codes.has((err as TokenError).code)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses every single-character mutation of a genuine token (fuzz)', async () => {
    const { tokens } = await setup();
    const { access_token } = await tokens.issue({ subject: 'user-1' });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(fc.nat(access_token.length - 1), fc.constantFrom(...alphabet), async (i, ch) => {
        fc.pre(access_token[i] !== ch);
        const mutated = access_token.slice(0, i) + ch + access_token.slice(i + 1);
        const err = await tokens.verify(mutated).then(
          (c) => c,
          (e: unknown) => e,
        );
        // A change in the last base64url character can leave the decoded bytes identical.
        if (!(err instanceof TokenError)) {
          expect(Buffer.from(mutated.split('.')[2] ?? '', 'base64url')).toEqual(
            Buffer.from(access_token.split('.')[2] ?? '', 'base64url'),
          );
          return;
        }
        expect(['ERR_TOKEN_MALFORMED', 'ERR_TOKEN_INVALID']).toContain(err.code);
      }),
      { numRuns: 300 },
    );
  });
});
