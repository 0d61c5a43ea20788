/**
 * One worker of the refresh race: its own Redis connection and token service (same keys and
 * prefix as its siblings). On "go" it fires its share of concurrent refreshes with one token.
 */
import { createEventBus } from '@portcullis/core';
import type { JWK } from 'jose';
import {
  createRedisClient,
  createRedisRefreshTokenStore,
  createRedisRevocationStore,
  waitForRedis,
} from '../../../redis/src/index.ts';
import { createKeySet, createTokenService } from '../../src/index.ts';

interface Go {
  token: string;
  count: number;
}

const { REDIS_URL = '', RACE_PREFIX = '', RACE_PRIVATE = '', RACE_PUBLIC = '' } = process.env;
const redis = createRedisClient(REDIS_URL);
await waitForRedis(redis);
const keys = await createKeySet({
  currentKid: 'race',
  keys: [
    {
      kid: 'race',
      alg: 'EdDSA',
      privateKey: JSON.parse(RACE_PRIVATE) as JWK,
      publicKey: JSON.parse(RACE_PUBLIC) as JWK,
    },
  ],
});
const events = createEventBus();
let rotations = 0;
let replays = 0;
events.subscribe(
  (e) => {
    if (e.name === 'authn_token_refreshed' && e.attributes?.replay === true) replays++;
    else rotations++;
  },
  ['authn_token_refreshed'],
);
const tokens = createTokenService({
  keys,
  issuer: 'https://race.example',
  audience: 'api',
  events,
  refreshGraceMs: 5000,
  revocationStore: createRedisRevocationStore({ client: redis, prefix: RACE_PREFIX, timeoutMs: 2000 }),
  refreshStore: createRedisRefreshTokenStore({ client: redis, prefix: RACE_PREFIX, timeoutMs: 2000 }),
});

process.on('message', async (msg: Go) => {
  const results = await Promise.all(
    Array.from({ length: msg.count }, () =>
      tokens.refresh(msg.token).then(
        (pair) => ({ ok: true as const, pair }),
        (err: unknown) => ({ ok: false as const, code: (err as { code?: string }).code ?? String(err) }),
      ),
    ),
  );
  process.send?.({ results, rotations, replays });
  await redis.quit();
  process.disconnect?.();
});
process.send?.('ready');
