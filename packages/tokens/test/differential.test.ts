/**
 * Differential test: the synchronous node:crypto verifier against jose, the oracle. Both see the
 * same tokens (genuine ones, and ones with every part mutated, re-encoded and re-signed with
 * other keys and algorithms) and must give the same verdict every time: the same claims when
 * accepted, the same reason when refused. 10,000 cases in all.
 */
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createManualClock } from '@portcullis/core';
import fc from 'fast-check';
import { type JWK, type JWTHeaderParameters, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createKeySet,
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  createTokenService,
  type KeySet,
  TokenError,
  type TokenService,
} from '../src/index.js';

const ISSUER = 'https://auth.example';
const AUDIENCE = 'api';
const TTL = 900;
const TOLERANCE = 30;
const NOW_MS = Date.UTC(2026, 5, 1, 12, 0, 0, 250);
const NOW = Math.floor(NOW_MS / 1000);
const FORBIDDEN = ['jku', 'x5u', 'jwk', 'x5c', 'crit'];
const REQUIRED = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'];

type Verdict = { ok: true; claims: unknown } | { ok: false; reason: string };
type Signer = (input: string) => Buffer;

const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rs = generateKeyPairSync('rsa', { modulusLength: 2048 });
const hsSecret = Buffer.alloc(32, 9);
const otherEd = generateKeyPairSync('ed25519');
const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherRs = generateKeyPairSync('rsa', { modulusLength: 2048 });

const hmac =
  (secret: Buffer | string | KeyObject): Signer =>
  (input) =>
    createHmac('sha256', secret).update(input).digest();
const pem = (k: KeyObject) => k.export({ format: 'pem', type: 'spki' }) as string;

/** Every way a token gets signed: the right keys, other keys, other algorithms, no key at all. */
const SIGNERS: Record<string, { alg: string; kid: string; sign: Signer }> = {
  ed1: { alg: 'EdDSA', kid: 'ed1', sign: (i) => sign(null, Buffer.from(i), ed.privateKey) },
  ec1: {
    alg: 'ES256',
    kid: 'ec1',
    sign: (i) => sign('sha256', Buffer.from(i), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }),
  },
  rs1: { alg: 'RS256', kid: 'rs1', sign: (i) => sign('sha256', Buffer.from(i), rs.privateKey) },
  hs1: { alg: 'HS256', kid: 'hs1', sign: hmac(hsSecret) },
  'ed-other': { alg: 'EdDSA', kid: 'ed1', sign: (i) => sign(null, Buffer.from(i), otherEd.privateKey) },
  'ec-other': {
    alg: 'ES256',
    kid: 'ec1',
    sign: (i) => sign('sha256', Buffer.from(i), { key: otherEc.privateKey, dsaEncoding: 'ieee-p1363' }),
  },
  'ec-der': {
    // DER instead of the JWS r||s form: must be refused by both.
    alg: 'ES256',
    kid: 'ec1',
    sign: (i) => sign('sha256', Buffer.from(i), ec.privateKey),
  },
  'rs-other': { alg: 'RS256', kid: 'rs1', sign: (i) => sign('sha256', Buffer.from(i), otherRs.privateKey) },
  'hs-other': { alg: 'HS256', kid: 'hs1', sign: hmac(Buffer.alloc(32, 1)) },
  'hs-ed-pub': { alg: 'HS256', kid: 'ed1', sign: hmac(pem(ed.publicKey)) },
  'hs-rs-pub': { alg: 'HS256', kid: 'rs1', sign: hmac(pem(rs.publicKey)) },
  'hs-ec-pub-jwk': {
    alg: 'HS256',
    kid: 'ec1',
    sign: hmac(JSON.stringify(ec.publicKey.export({ format: 'jwk' }))),
  },
  'rs-as-ps': {
    alg: 'PS256',
    kid: 'rs1',
    sign: (i) => sign('sha256', Buffer.from(i), { key: rs.privateKey, padding: 6 }),
  },
  garbage: { alg: 'EdDSA', kid: 'ed1', sign: () => Buffer.alloc(64, 7) },
  short: { alg: 'ES256', kid: 'ec1', sign: () => Buffer.alloc(3, 1) },
};

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64url');

/** The oracle: jose's jwtVerify with the documented screen (forbidden headers, alg pinned per kid). */
function oracle(keys: KeySet) {
  const getKey = (header: JWTHeaderParameters) => {
    for (const h of FORBIDDEN)
      if ((header as Record<string, unknown>)[h] !== undefined)
        throw new TokenError('ERR_TOKEN_INVALID', undefined, { reason: 'ERR_TOKEN_HEADER' });
    const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
    if (!key || header.alg !== key.alg)
      throw new TokenError('ERR_TOKEN_INVALID', undefined, { reason: 'ERR_TOKEN_KEY' });
    return key.key;
  };
  const reasonOf = (err: unknown): string => {
    if (err instanceof TokenError) return err.reason;
    const e = err as { code?: string; claim?: string; reason?: string };
    switch (e.code) {
      case 'ERR_JWT_EXPIRED':
        return 'ERR_TOKEN_EXPIRED';
      case 'ERR_JWS_INVALID':
      case 'ERR_JWT_INVALID':
        return 'ERR_TOKEN_MALFORMED';
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return 'ERR_TOKEN_SIGNATURE';
      case 'ERR_JOSE_ALG_NOT_ALLOWED':
        return 'ERR_TOKEN_KEY';
      case 'ERR_JOSE_NOT_SUPPORTED':
        return 'ERR_TOKEN_HEADER';
      case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
        if (e.claim === 'iss') return 'ERR_TOKEN_ISSUER';
        if (e.claim === 'aud') return 'ERR_TOKEN_AUDIENCE';
        if (e.claim === 'typ') return 'ERR_TOKEN_TYPE';
        if ((e.claim === 'nbf' || e.claim === 'iat') && e.reason === 'check_failed')
          return 'ERR_TOKEN_NOT_YET_VALID';
        return 'ERR_TOKEN_CLAIMS';
      default:
        return `unexpected ${String(err)}`;
    }
  };
  return async (token: string): Promise<Verdict> => {
    if (token === '') return { ok: false, reason: 'ERR_TOKEN_MISSING' };
    if (token.length > 4096) return { ok: false, reason: 'ERR_TOKEN_TOO_LARGE' };
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token))
      return { ok: false, reason: 'ERR_TOKEN_MALFORMED' };
    try {
      const { payload: p } = await jwtVerify(token, getKey, {
        algorithms: [...keys.algorithms],
        typ: 'at+jwt',
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: REQUIRED,
        maxTokenAge: TTL,
        clockTolerance: TOLERANCE,
        currentDate: new Date(NOW_MS),
      });
      const c = p as Record<string, unknown>;
      if (
        typeof c.sub !== 'string' ||
        (c.jti !== undefined && typeof c.jti !== 'string') ||
        (c.sid !== undefined && typeof c.sid !== 'string') ||
        (c.iat_ms !== undefined && typeof c.iat_ms !== 'number') ||
        (c.client_id !== undefined && typeof c.client_id !== 'string')
      )
        return { ok: false, reason: 'ERR_TOKEN_CLAIMS' };
      return { ok: true, claims: p };
    } catch (err) {
      return { ok: false, reason: reasonOf(err) };
    }
  };
}

async function ours(tokens: TokenService, token: string): Promise<Verdict> {
  try {
    return { ok: true, claims: await tokens.verify(token) };
  } catch (err) {
    return { ok: false, reason: err instanceof TokenError ? err.reason : `unexpected ${String(err)}` };
  }
}

// ---- generators ------------------------------------------------------------------------------

const json = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
const claimName = fc.constantFrom(
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'sid',
  'iat_ms',
  'client_id',
  '__proto__',
);
const near = (base: number) =>
  fc.integer({ min: base - TTL - 2 * TOLERANCE - 3, max: base + TTL + 2 * TOLERANCE + 3 });

const payloadOp = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), claim: claimName }),
  fc.record({ op: fc.constant('set' as const), claim: claimName, value: json }),
  fc.record({
    op: fc.constant('set' as const),
    claim: fc.constantFrom('exp', 'iat', 'nbf'),
    value: near(NOW),
  }),
  fc.record({
    op: fc.constant('set' as const),
    claim: fc.constantFrom('iss', 'aud'),
    value: fc.constantFrom(
      ISSUER,
      `${ISSUER}/`,
      AUDIENCE,
      'API',
      [AUDIENCE],
      ['x', AUDIENCE],
      ['x'],
      [ISSUER],
      [],
    ),
  }),
);

const headerOp = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    name: fc.constantFrom('alg', 'kid', 'typ'),
    value: fc.oneof(
      json,
      fc.constantFrom(
        'EdDSA',
        'ES256',
        'RS256',
        'HS256',
        'PS256',
        'none',
        'ed1',
        'ec1',
        'rs1',
        'hs1',
        'nope',
      ),
      fc.constantFrom(
        'at+jwt',
        'AT+JWT',
        'application/at+jwt',
        'application/AT+Jwt',
        'JWT',
        'jwt',
        '',
        'at+jwt ',
      ),
    ),
  }),
  fc.record({ op: fc.constant('delete' as const), name: fc.constantFrom('alg', 'kid', 'typ') }),
  fc.record({
    op: fc.constant('set' as const),
    name: fc.constantFrom('jku', 'x5u', 'jwk', 'x5c', 'crit', 'b64', 'zip', 'cty'),
    value: fc.oneof(
      json,
      fc.constantFrom(['b64'], ['exp'], [], ['b64', 'b64'], [''], 'https://evil.example/jwks', true, false),
    ),
  }),
);

/** How the two JSON parts are turned into bytes before signing. */
const encoding = fc.constantFrom(
  'json',
  'json',
  'json',
  'bom',
  'array',
  'null',
  'string',
  'badutf8',
  'trailing',
);

/** What happens to the token string after signing. */
const corruption = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    to: fc.constantFrom('A', 'B', 'Q', '_', '-', 'z', '0'),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('append' as const),
    what: fc.constantFrom('A', 'AA', 'AAA', 'AAAA', '.', '=', '.x'),
  }),
  fc.record({ kind: fc.constant('swap-sig' as const) }),
);

function encodeJson(obj: Record<string, unknown>, how: string): Buffer {
  const text = JSON.stringify(obj);
  switch (how) {
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    case 'array':
      return Buffer.from(`[${text}]`);
    case 'null':
      return Buffer.from('null');
    case 'string':
      return Buffer.from(JSON.stringify(text));
    case 'badutf8':
      return Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xc3, 0x28]), Buffer.from('}')]);
    case 'trailing':
      return Buffer.from(`${text} x`);
    default:
      return Buffer.from(text);
  }
}

function applyOps<T extends { op: 'delete' | 'set' }>(
  base: Record<string, unknown>,
  ops: readonly (T & { claim?: string; name?: string; value?: unknown })[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const op of ops) {
    const key = (op.claim ?? op.name) as string;
    if (op.op === 'delete') delete out[key];
    else
      Object.defineProperty(out, key, {
        value: op.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}

const tokenCase = fc.record({
  signer: fc.constantFrom(...Object.keys(SIGNERS)),
  headerOps: fc.array(headerOp, { maxLength: 2 }),
  payloadOps: fc.array(payloadOp, { maxLength: 3 }),
  headerEncoding: fc.oneof({ weight: 8, arbitrary: fc.constant('json') }, encoding),
  payloadEncoding: fc.oneof({ weight: 5, arbitrary: fc.constant('json') }, encoding),
  corruption,
  mutate: fc.boolean(),
});

function build(c: typeof tokenCase extends fc.Arbitrary<infer T> ? T : never, genuine: string): string {
  const signer = SIGNERS[c.signer] as (typeof SIGNERS)[string];
  const header = applyOps({ alg: signer.alg, kid: signer.kid, typ: 'at+jwt' }, c.mutate ? c.headerOps : []);
  const payload = applyOps(
    {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'user-1',
      iat: NOW - 5,
      exp: NOW - 5 + TTL,
      jti: 'jti-1',
      sid: 'sid-1',
      client_id: AUDIENCE,
      iat_ms: NOW_MS - 5000,
      role: 'member',
    },
    c.mutate ? c.payloadOps : [],
  );
  const input = `${b64(encodeJson(header, c.headerEncoding))}.${b64(encodeJson(payload, c.payloadEncoding))}`;
  let token = `${input}.${b64(signer.sign(input))}`;
  const k = c.corruption;
  if (k.kind === 'flip') {
    const at = k.at % token.length;
    token = token.slice(0, at) + k.to + token.slice(at + 1);
  } else if (k.kind === 'truncate') token = token.slice(0, k.at % token.length);
  else if (k.kind === 'append') token += k.what;
  else if (k.kind === 'swap-sig') token = input + genuine.slice(genuine.lastIndexOf('.'));
  return token;
}

describe('synchronous verifier vs jose (differential)', () => {
  let keys: KeySet;
  let tokens: TokenService;
  let joseVerdict: (token: string) => Promise<Verdict>;
  let genuine: string;

  beforeAll(async () => {
    const jwk = (k: KeyObject) => k.export({ format: 'jwk' }) as JWK;
    keys = await createKeySet({
      currentKid: 'ed1',
      keys: [
        { kid: 'ed1', alg: 'EdDSA', privateKey: jwk(ed.privateKey), publicKey: jwk(ed.publicKey) },
        { kid: 'ec1', alg: 'ES256', publicKey: jwk(ec.publicKey) },
        { kid: 'rs1', alg: 'RS256', publicKey: jwk(rs.publicKey) },
        { kid: 'hs1', alg: 'HS256', secret: new Uint8Array(hsSecret) },
      ],
    });
    const clock = createManualClock(NOW_MS);
    tokens = createTokenService({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      accessTtlSec: TTL,
      clockToleranceSec: TOLERANCE,
      cache: false,
      clock,
      revocationStore: createMemoryRevocationStore({ clock, warn: false }),
      refreshStore: createMemoryRefreshTokenStore({ clock, warn: false }),
    });
    joseVerdict = oracle(keys);
    genuine = (await tokens.issue({ subject: 'user-1', claims: { role: 'member' } })).access_token;
  });

  it('agrees with jose on genuine tokens of every algorithm', async () => {
    for (const signer of ['ed1', 'ec1', 'rs1', 'hs1']) {
      const token = build(
        {
          signer,
          headerOps: [],
          payloadOps: [],
          headerEncoding: 'json',
          payloadEncoding: 'json',
          corruption: { kind: 'none' },
          mutate: false,
        },
        genuine,
      );
      const verdict = await ours(tokens, token);
      expect(verdict.ok).toBe(true);
      expect(verdict).toEqual(await joseVerdict(token));
    }
    expect(await ours(tokens, genuine)).toEqual(await joseVerdict(genuine));
  });

  it('gives the verdict jose gives on 8,000 mutated, re-encoded and re-signed tokens', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(tokenCase, async (c) => {
        const token = build(c, genuine);
        const [a, b] = [await ours(tokens, token), await joseVerdict(token)];
        expect(a).toEqual(b);
        const key = a.ok ? 'accepted' : a.reason;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }),
      { numRuns: 8000 },
    );
    // The generator reaches every verdict, so agreement is not agreement on one easy case.
    for (const verdict of [
      'accepted',
      'ERR_TOKEN_MALFORMED',
      'ERR_TOKEN_SIGNATURE',
      'ERR_TOKEN_KEY',
      'ERR_TOKEN_HEADER',
      'ERR_TOKEN_TYPE',
      'ERR_TOKEN_ISSUER',
      'ERR_TOKEN_AUDIENCE',
      'ERR_TOKEN_CLAIMS',
      'ERR_TOKEN_EXPIRED',
      'ERR_TOKEN_NOT_YET_VALID',
    ])
      expect([verdict, (seen.get(verdict) ?? 0) > 0]).toEqual([verdict, true]);
  });

  it('gives the verdict jose gives on 2,000 arbitrary strings built from token parts', async () => {
    const part = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/),
      fc.constant(genuine.split('.')[0] as string),
      fc.constant(genuine.split('.')[1] as string),
      fc.constant(genuine.split('.')[2] as string),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 4 }), async (parts) => {
        const token = parts.join('.');
        expect(await ours(tokens, token)).toEqual(await joseVerdict(token));
      }),
      { numRuns: 2000 },
    );
  });
});
