/**
 * Access tokens: sign and verify ops/s for EdDSA, ES256, RS256 and HS256, Portcullis (full
 * verification, uncached: header and claim checks, the synchronous node:crypto signature check,
 * and the revocation check against a populated memory store: token, session and subject)
 * next to raw jose, fast-jwt and jsonwebtoken; the verified-token cache next to fast-jwt's cache;
 * and revocation checks against a real Redis (REDIS_URL, skipped when unset).
 *
 * Same work on every side: the same token (issued by Portcullis, `typ: at+jwt`), the same key,
 * and every verifier checks signature, alg, iss, aud and exp. jose is given the same options
 * Portcullis passes it, so the ratio measures exactly what Portcullis adds.
 */
import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  createRedisClient,
  createRedisRefreshTokenStore,
  createRedisRevocationStore,
  waitForRedis,
} from '@portcullis/redis';
import {
  createKeySet,
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  createTokenService,
  type TokenAlgorithm,
  type TokenKeyInput,
} from '@portcullis/tokens';
import { createSigner, createVerifier } from 'fast-jwt';
import { type JWK, jwtVerify, SignJWT } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { type BenchCase, report, runCases } from './lib.ts';

const ISSUER = 'https://auth.example';
const AUDIENCE = 'api';
const ALGS: TokenAlgorithm[] = ['EdDSA', 'ES256', 'RS256', 'HS256'];

function nodeKeys(alg: TokenAlgorithm): { input: TokenKeyInput; priv: KeyObject; pub: KeyObject } {
  if (alg === 'HS256') {
    const secret = Buffer.alloc(32, 7);
    const key = createSecretKey(secret);
    return { input: { kid: 'k', alg, secret: new Uint8Array(secret) }, priv: key, pub: key };
  }
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    input: {
      kid: 'k',
      alg,
      privateKey: pair.privateKey.export({ format: 'jwk' }) as JWK,
      publicKey: pair.publicKey.export({ format: 'jwk' }) as JWK,
    },
    priv: pair.privateKey,
    pub: pair.publicKey,
  };
}

const quiet = { warn: false };

interface Revoker {
  revoke(token: string): Promise<void>;
  revokeAll(subject: string): Promise<void>;
  issue(input: { subject: string }): Promise<{ refresh_token: string }>;
  issueAccessToken(input: { subject: string }): Promise<{ access_token: string }>;
}

/**
 * Revocations in the store (1000 blocklisted tokens, 100 users logged out everywhere), so every
 * verification really looks up both the token and its user: an empty store would skip them.
 */
async function populate(service: Revoker): Promise<void> {
  for (let i = 0; i < 1000; i++)
    await service.revoke((await service.issueAccessToken({ subject: `other-${i}` })).access_token);
  for (let i = 0; i < 100; i++) await service.revokeAll(`gone-${i}`);
  // 100 revoked sessions, so the session check of a token carrying a sid really looks one up.
  for (let i = 0; i < 100; i++)
    await service.revoke((await service.issue({ subject: `ended-${i}` })).refresh_token);
}
/** fast-jwt takes PEM (or the raw secret), not KeyObjects. */
const pem = (k: KeyObject): string | Buffer =>
  k.type === 'secret'
    ? k.export()
    : (k.export({ format: 'pem', type: k.type === 'private' ? 'pkcs8' : 'spki' }) as string);
const cases: BenchCase[] = [];

for (const alg of ALGS) {
  const id = alg.toLowerCase();
  const { input, priv, pub } = nodeKeys(alg);
  const keys = await createKeySet({ currentKid: 'k', keys: [input] });
  const tokens = createTokenService({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    cache: false,
    revocationStore: createMemoryRevocationStore(quiet),
    refreshStore: createMemoryRefreshTokenStore(quiet),
  });
  await populate(tokens);
  const { access_token: token } = await tokens.issueAccessToken({
    subject: 'user-1',
    claims: { role: 'member' },
  });
  const verifyKey = keys.get('k')?.key;
  if (!verifyKey) throw new Error('no key');
  const payload = { role: 'member', sub: 'user-1' };

  // Sign: same claims, same header fields, same key on every side.
  cases.push({
    id: `sign-${id}/portcullis`,
    baseline: `sign-${id}/jose`,
    fn: () => tokens.issueAccessToken({ subject: 'user-1', claims: { role: 'member' } }),
  });
  cases.push({
    id: `sign-${id}/jose`,
    fn: () =>
      new SignJWT({ role: 'member', iat_ms: Date.now() })
        .setProtectedHeader({ alg, kid: 'k', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('user-1')
        .setIssuedAt()
        .setExpirationTime('1h')
        .setJti(crypto.randomUUID())
        .sign(keys.signing.key),
  });
  const fastSign = createSigner({
    key: pem(priv),
    algorithm: alg,
    iss: ISSUER,
    aud: AUDIENCE,
    expiresIn: 3_600_000,
    kid: 'k',
    header: { alg, typ: 'at+jwt' },
  });
  cases.push({
    id: `sign-${id}/fast-jwt`,
    baseline: `sign-${id}/jose`,
    fn: () => fastSign({ ...payload, jti: crypto.randomUUID() }),
  });
  if (alg !== 'EdDSA') {
    // jsonwebtoken 9 has no EdDSA.
    cases.push({
      id: `sign-${id}/jsonwebtoken`,
      baseline: `sign-${id}/jose`,
      fn: () =>
        jsonwebtoken.sign({ ...payload, jti: crypto.randomUUID() }, priv, {
          algorithm: alg,
          issuer: ISSUER,
          audience: AUDIENCE,
          expiresIn: 3600,
          keyid: 'k',
          header: { alg, typ: 'at+jwt' },
        }),
    });
  }

  // Verify the same token. Portcullis's ratio is against fast-jwt (the goal); the post-processing
  // below adds the ratio against every peer with its spread over the rounds.
  cases.push({
    id: `verify-${id}/portcullis`,
    baseline: `verify-${id}/fast-jwt`,
    fn: () => tokens.verify(token),
  });
  if (alg === 'EdDSA') {
    // The cost of the session check: a token from a login carries a sid, checked on every verify.
    const { access_token: withSid } = await tokens.issue({ subject: 'user-1', claims: { role: 'member' } });
    cases.push({
      id: 'verify-eddsa/portcullis-with-sid',
      baseline: 'verify-eddsa/portcullis',
      fn: () => tokens.verify(withSid),
    });
  }
  cases.push({
    id: `verify-${id}/jose`,
    fn: () =>
      jwtVerify(token, verifyKey, {
        algorithms: [alg],
        typ: 'at+jwt',
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
        maxTokenAge: 3600,
        clockTolerance: 30,
      }),
  });
  const fastVerify = createVerifier({
    key: pem(pub),
    algorithms: [alg],
    allowedIss: ISSUER,
    allowedAud: AUDIENCE,
    clockTolerance: 30_000,
    cache: false,
  });
  cases.push({ id: `verify-${id}/fast-jwt`, baseline: `verify-${id}/jose`, fn: () => fastVerify(token) });
  if (alg !== 'EdDSA') {
    cases.push({
      id: `verify-${id}/jsonwebtoken`,
      baseline: `verify-${id}/jose`,
      fn: () =>
        jsonwebtoken.verify(token, pub, {
          algorithms: [alg],
          issuer: ISSUER,
          audience: AUDIENCE,
          clockTolerance: 30,
        }),
    });
  }

  if (alg === 'EdDSA') {
    const cached = createTokenService({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      cache: { max: 10_000 },
      revocationStore: createMemoryRevocationStore(quiet),
      refreshStore: createMemoryRefreshTokenStore(quiet),
    });
    await populate(cached);
    await cached.verify(token);
    const fastCached = createVerifier({
      key: pem(pub),
      algorithms: [alg],
      allowedIss: ISSUER,
      allowedAud: AUDIENCE,
      clockTolerance: 30_000,
      cache: true,
    });
    fastCached(token);
    cases.push({
      id: 'verify-eddsa/portcullis-cached',
      baseline: 'verify-eddsa/fast-jwt-cached',
      fn: () => cached.verify(token),
    });
    cases.push({ id: 'verify-eddsa/fast-jwt-cached', fn: () => fastCached(token) });

    const url = process.env.REDIS_URL;
    if (url) {
      const redis = createRedisClient(url, { commandTimeoutMs: 2000 });
      await waitForRedis(redis);
      const prefix = `bench:tokens:${process.pid}:`;
      const revocationStore = createRedisRevocationStore({ client: redis, prefix, timeoutMs: 2000 });
      const onRedis = createTokenService({
        keys,
        issuer: ISSUER,
        audience: AUDIENCE,
        cache: { max: 10_000 },
        revocationStore,
        refreshStore: createRedisRefreshTokenStore({ client: redis, prefix, timeoutMs: 2000 }),
      });
      const hot = (await onRedis.issue({ subject: 'user-1' })).access_token;
      await onRedis.verify(hot);
      // One check = one EVALSHA round trip on loopback; the concurrent case keeps 32 in flight as a
      // busy server would, so ops/s there counts checks, not batches.
      cases.push({
        id: 'revocation-check/redis',
        fn: () => revocationStore.isRevoked(`${ISSUER} some-jti`, 'user-1', Date.now()),
      });
      cases.push({
        id: 'revocation-check/redis-32-in-flight',
        fn: () =>
          Promise.all(
            Array.from({ length: 32 }, (_, i) =>
              revocationStore.isRevoked(`${ISSUER} jti-${i}`, 'user-1', Date.now()),
            ),
          ),
      });
      cases.push({
        id: 'verify-eddsa/portcullis-cached-redis',
        baseline: 'verify-eddsa/fast-jwt-cached',
        fn: () => onRedis.verify(hot),
      });
      process.once('beforeExit', () => {
        void redis.keys(`${prefix}*`).then(async (keys) => {
          if (keys.length > 0) await redis.del(...keys);
          await redis.quit();
        });
      });
    }
  }
}

// BENCH_QUICK=1 is a smoke run only (short rounds); published figures come from the default settings.
const results = await runCases(
  cases,
  process.env.BENCH_QUICK === '1' ? { durationMs: 100, rounds: 1, warmupMs: 50 } : {},
);
// The 32-in-flight case runs 32 checks per op.
for (const r of results)
  if (r.id === 'revocation-check/redis-32-in-flight') r.checksPerSec = r.opsPerSec * 32;
// Portcullis verify against every peer: the median ratio and its spread over the rounds (each
// round measures both sides back to back), and the goal against the fastest peer.
const byId = new Map(results.map((r) => [r.id, r]));
for (const alg of ALGS) {
  const id = alg.toLowerCase();
  const ours = byId.get(`verify-${id}/portcullis`);
  if (!ours) continue;
  const vs: Record<string, { ratio: number; min: number; max: number }> = {};
  for (const peer of ['fast-jwt', 'jsonwebtoken', 'jose']) {
    const theirs = byId.get(`verify-${id}/${peer}`);
    if (!theirs) continue;
    const a = ours.opsPerRound as number[];
    const b = theirs.opsPerRound as number[];
    const perRound = a.map((x, i) => x / (b[i] ?? Number.NaN));
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    vs[peer] = {
      ratio: r3(ours.opsPerSec / theirs.opsPerSec),
      min: r3(Math.min(...perRound)),
      max: r3(Math.max(...perRound)),
    };
  }
  const fastest = Math.max(
    ...['fast-jwt', 'jsonwebtoken'].map((p) => byId.get(`verify-${id}/${p}`)?.opsPerSec ?? 0),
  );
  ours.vs = vs;
  ours.goal = alg === 'HS256' ? '>= 1.0x fast-jwt' : '>= 1.0x the fastest of fast-jwt and jsonwebtoken';
  ours.ratioVsFastestPeer = Math.round((ours.opsPerSec / fastest) * 1000) / 1000;
  console.log(
    `verify-${id}/portcullis: ${Object.entries(vs)
      .map(([p, v]) => `${v.ratio}x ${p} [${v.min}-${v.max}]`)
      .join(', ')}; vs fastest peer ${ours.ratioVsFastestPeer}x`,
  );
}
report('tokens', results);
process.exit(0);
