import { randomBytes } from 'node:crypto';
import { ConfigError } from '@portcullis/core';
import { describe, expect, it } from 'vitest';
import {
  createKeySet,
  createMemoryRefreshTokenStore,
  createMemoryRevocationStore,
  createTokenExtractor,
  createTokenService,
  createTokenVerifier,
  createVerificationKeySet,
  generateSigningKey,
} from '../src/index.js';

// Plain JavaScript callers: what they pass is not checked by a compiler.
// biome-ignore lint/suspicious/noExplicitAny: simulating an untyped caller.
const js = (value: unknown): any => value;

async function configErrorOf(fn: () => unknown): Promise<ConfigError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const base = { issuer: 'https://api.example', audience: 'api' };

describe('token misconfiguration names the problem', () => {
  it('a token service without keys is a ConfigError naming keys (was a raw TypeError)', async () => {
    const err = await configErrorOf(() => createTokenService(js({ ...base })));
    expect(err.option).toBe('keys');
    expect(err.detail).toContain('option "keys" is required');
  });

  it('a key set passed without await says so', async () => {
    const keys = createKeySet({ currentKid: 'k1', keys: [await generateSigningKey('EdDSA', 'k1')] });
    const err = await configErrorOf(() => createTokenService(js({ ...base, keys })));
    expect(err.detail).toContain('keys is a Promise: await createKeySet(...)');
  });

  it('raw key inputs instead of a key set are named', async () => {
    const err = await configErrorOf(async () =>
      createTokenService(js({ ...base, keys: [await generateSigningKey('EdDSA', 'k1')] })),
    );
    expect(err.detail).toContain('keys must be a key set from createKeySet, got an array');
  });

  it('createKeySet without keys names them', async () => {
    expect((await configErrorOf(() => createKeySet(js({ currentKid: 'k1' })))).option).toBe('keys');
    expect((await configErrorOf(() => createKeySet(js({ currentKid: 'k1', keys: [] })))).option).toBe('keys');
    expect((await configErrorOf(() => createKeySet(js(undefined)))).option).toBe('keys');
  });

  it('createKeySet without currentKid names it', async () => {
    const key = await generateSigningKey('EdDSA', 'k1');
    expect((await configErrorOf(() => createKeySet(js({ keys: [key] })))).option).toBe('currentKid');
  });

  it('an HS256 secret given as a string says "must be bytes", not "at least 32 bytes"', async () => {
    const secret = 'a-long-enough-passphrase-of-more-than-32-characters';
    const err = await configErrorOf(() =>
      createKeySet(js({ currentKid: 'h1', keys: [{ kid: 'h1', alg: 'HS256', secret }] })),
    );
    expect(err.detail).toContain(
      'the HS256 secret must be bytes (Uint8Array), e.g. from randomBytes(32); got a string',
    );
    expect(err.detail).not.toContain(secret);
    expect(err.detail).not.toContain('at least 32 bytes');
  });

  it('a short HS256 byte secret still says "at least 32 bytes"', async () => {
    const err = await configErrorOf(() =>
      createKeySet({ currentKid: 'h1', keys: [{ kid: 'h1', alg: 'HS256', secret: randomBytes(16) }] }),
    );
    expect(err.detail).toContain('at least 32 bytes');
  });

  it("a key's unknown field is named (privatekey → privateKey)", async () => {
    const { privateKey, publicKey } = js(await generateSigningKey('EdDSA', 'k1'));
    const err = await configErrorOf(() =>
      createKeySet(
        js({ currentKid: 'k1', keys: [{ kid: 'k1', alg: 'EdDSA', privatekey: privateKey, publicKey }] }),
      ),
    );
    expect(err.suggestion).toBe('privateKey');
  });

  it('unknown option names of the token factories are named with the nearest one', async () => {
    const keys = await createKeySet({ currentKid: 'k1', keys: [await generateSigningKey('EdDSA', 'k1')] });
    const verifyKeys = await createVerificationKeySet({ keys: [await generateSigningKey('EdDSA', 'k2')] });
    const cases: [() => unknown, string][] = [
      [() => createTokenService(js({ ...base, keys, accessTTLSec: 60 })), 'accessTtlSec'],
      [() => createTokenService(js({ ...base, keys, revocationstore: undefined })), 'revocationStore'],
      [() => createTokenVerifier(js({ ...base, keys: verifyKeys, clockTolerance: 5 })), 'clockToleranceSec'],
      [
        () => createTokenVerifier(js({ ...base, jwks: { url: 'https://idp.example/jwks', timeout: 5 } })),
        'timeoutMs',
      ],
      [() => createMemoryRevocationStore(js({ maxEntries: 5 })), 'max'],
      [() => createMemoryRefreshTokenStore(js({ clok: 5 })), 'clock'],
      [() => createTokenExtractor(js({ cookieName: '__Host-a' })), 'cookie'],
      [() => createVerificationKeySet(js({ key: [] })), 'keys'],
    ];
    for (const [create, suggestion] of cases)
      expect((await configErrorOf(create)).suggestion).toBe(suggestion);
  });
});
