/** A JWKS endpoint on loopback whose key set a test can rotate, stop, or make hang. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWK, SignJWT } from 'jose';

export interface IdpKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA';
  privateKey: KeyObject;
  jwk: JWK;
}

export function idpKey(kid: string, alg: IdpKey['alg']): IdpKey {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return {
    kid,
    alg,
    privateKey: pair.privateKey,
    jwk: { ...(pair.publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' },
  };
}

/** An access token as an identity provider would mint it (Keycloak-like claims). */
export function idpToken(
  key: IdpKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { typ: 'at+jwt' },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 300, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ ...header, alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

export interface JwksServer {
  url: string;
  /** Number of JWKS fetches served. */
  readonly fetches: number;
  setKeys(keys: IdpKey[]): void;
  /** Accept connections but never answer. */
  hang(on: boolean): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: IdpKey[]): Promise<JwksServer> {
  let current = keys;
  let fetches = 0;
  let hanging = false;
  const server: Server = createServer((_req, res) => {
    if (hanging) return;
    fetches++;
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: current.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/realms/acme/protocol/openid-connect/certs`,
    get fetches() {
      return fetches;
    },
    setKeys: (next) => {
      current = next;
    },
    hang: (on) => {
      hanging = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
