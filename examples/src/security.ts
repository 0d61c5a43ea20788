/**
 * The demo's security modules, created once from the configuration and shared by the three
 * framework flavours: nothing here knows about Express, Fastify or Hono. Memory stores by
 * default; with REDIS_URL every piece of shared state (limits, revocations, refresh families,
 * reset tokens, users) lives in Redis so that N workers agree.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AuditLog,
  type AuditSink,
  createAuditLog,
  createFileSink,
  type FileSink,
} from '@portcullis/audit';
import {
  type ClientAddressResolver,
  type Clock,
  createSecurityContext,
  type EventBus,
  type RateLimitStore,
  type SecurityContext,
} from '@portcullis/core';
import { createMetrics, type Metrics, type MetricsSource } from '@portcullis/metrics';
import { createMimeGuard, type MimeGuard } from '@portcullis/mime-guard';
import {
  createConsoleMailer,
  createPasswordReset,
  createPasswordValidator,
  createSmtpMailer,
  type Mailer,
  type PasswordReset,
  type PasswordValidator,
} from '@portcullis/password';
import {
  createLoginGuard,
  createMemoryRateLimitStore,
  createRateLimitPolicy,
  LOGIN_HEALTH_DEFAULT_ZONES,
  type LoginGuard,
  type RateLimitPolicy,
  type RateLimitRules,
} from '@portcullis/rate-limit';
import {
  createRedisClient,
  createRedisCluster,
  createRedisRateLimitStore,
  createRedisRefreshTokenStore,
  createRedisResetTokenStore,
  createRedisRevocationStore,
  waitForRedis,
} from '@portcullis/redis';
import { createKeySet, createTokenService, type TokenService } from '@portcullis/tokens';
import type { Cluster, Redis } from 'ioredis';
import type { DemoConfig } from './config.ts';
import { createFileStorage, type FileStorage } from './files.ts';
import {
  createMemoryPendingStore,
  createRedisPendingStore,
  createRegistrations,
  type Registrations,
} from './registration.ts';
import { createMemoryUsers, createRedisUsers, type UserRepository } from './users.ts';

/** Everything the routes need, built once per process. */
export interface DemoSecurity {
  readonly config: DemoConfig;
  /** The app's one security context (client trust, paths, bus). */
  readonly context: SecurityContext;
  readonly events: EventBus;
  readonly clientAddress: ClientAddressResolver;
  readonly rateLimit: RateLimitPolicy;
  readonly loginGuard: LoginGuard;
  readonly tokens: TokenService;
  readonly validator: PasswordValidator;
  readonly reset: PasswordReset;
  readonly mailer: Mailer;
  readonly uploadGuard: MimeGuard;
  readonly audit: AuditLog;
  /** The audit file sink when the default one is used (tests read its files). */
  readonly auditSink: FileSink | undefined;
  /** Key id and secret of the audit chain, to verify it. */
  readonly auditKey: { kid: string; secret: Uint8Array };
  /** Public key of the audit checkpoints (also written to `$AUDIT_DIR/checkpoints.pub.pem`). */
  readonly auditCheckpointKey: KeyObject;
  readonly metrics: Metrics;
  /** What `/metrics` renders: this process's metrics, or the cluster sum in a worker. */
  readonly metricsSource: MetricsSource;
  readonly users: UserRepository;
  /** Sign-up without an account oracle: same 202 for every request, the rest by mail. */
  readonly registrations: Registrations;
  readonly files: FileStorage;
  readonly redis: Redis | Cluster | undefined;
  /** Flushes the audit log and closes Redis and the mailer. Idempotent. */
  close(): Promise<void>;
}

/** What tests and the cluster runner may swap. */
export interface DemoOverrides {
  clock?: Clock | undefined;
  mailer?: Mailer | undefined;
  /** The login guard's slow-lane wait (tests record it instead of sleeping). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** What `/metrics` renders, built from this process's metrics (a cluster worker relays to the primary). */
  metricsSource?: ((metrics: Metrics) => MetricsSource) | undefined;
  auditSink?: AuditSink | undefined;
  /** Rate-limit table; default LOGIN_HEALTH_DEFAULT_ZONES (bench raises the limits). */
  rateLimitRules?: RateLimitRules | undefined;
  /** Prefix of every Redis key. Default: the configuration's (REDIS_PREFIX, `demo:`). */
  redisPrefix?: string | undefined;
}

function secretFrom(name: string, value: string | undefined): Uint8Array {
  if (value === undefined) return randomBytes(32);
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length < 32) throw new Error(`${name} must be at least 32 bytes, base64url encoded`);
  return bytes;
}

/** The Ed25519 key that signs the audit checkpoints: PKCS#8 DER, base64url; generated when unset. */
function checkpointKeyFrom(value: string | undefined): KeyObject {
  if (value === undefined) return generateKeyPairSync('ed25519').privateKey;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(value, 'base64url'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error('AUDIT_CHECKPOINT_KEY must be an Ed25519 private key, PKCS#8 DER, base64url encoded');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('AUDIT_CHECKPOINT_KEY must be an Ed25519 key');
  return key;
}

/**
 * Creates the demo's modules from its configuration.
 *
 * @example
 * ```ts
 * const sec = await createDemoSecurity(readConfig());
 * ```
 */
export async function createDemoSecurity(
  config: DemoConfig,
  overrides: DemoOverrides = {},
): Promise<DemoSecurity> {
  const clock = overrides.clock;
  const prefix = overrides.redisPrefix ?? config.redisPrefix;
  // One security context: X-Forwarded-For counts only from the proxies named in TRUST_PROXY
  // (OWASP: never trust it by default), for every module alike; one bus for every event.
  const context = createSecurityContext({
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    clock,
  });
  const { events } = context;
  const clientAddress = context.clientAddress;

  let redis: Redis | Cluster | undefined;
  if (config.redisCluster !== undefined) redis = createRedisCluster(config.redisCluster);
  else if (config.redisUrl !== undefined) redis = createRedisClient(config.redisUrl);
  if (redis !== undefined) await waitForRedis(redis);
  const rlStore: RateLimitStore = redis
    ? createRedisRateLimitStore({ client: redis, prefix: `${prefix}rl:` })
    : createMemoryRateLimitStore({ clock });
  const rateLimit = createRateLimitPolicy({
    ...(overrides.rateLimitRules ?? LOGIN_HEALTH_DEFAULT_ZONES),
    store: rlStore,
    context,
  });
  // One store for the route limits and the login guard: guard keys live under `!guard:`, a
  // namespace no rule id can produce, so the two never share a counter.
  const loginGuard = createLoginGuard({
    store: rlStore,
    context,
    sleep: overrides.sleep,
  });

  const tokens = createTokenService({
    keys: await createKeySet({
      keys: [{ kid: 'demo-1', alg: 'HS256', secret: secretFrom('TOKEN_SECRET', config.tokenSecret) }],
      currentKid: 'demo-1',
    }),
    issuer: config.publicUrl,
    audience: 'portcullis-demo',
    // One hour; refresh tokens keep users signed in.
    accessTtlSec: 3600,
    revocationStore: redis
      ? createRedisRevocationStore({ client: redis, prefix: `${prefix}tok:`, clock })
      : undefined,
    refreshStore: redis
      ? createRedisRefreshTokenStore({ client: redis, prefix: `${prefix}tok:`, clock })
      : undefined,
    events,
    clock,
  });

  const users = redis ? createRedisUsers(redis, `${prefix}users:`) : createMemoryUsers();
  const files = await createFileStorage(config.dataDir);
  const validator = createPasswordValidator({ appName: 'portcullis' });
  const smtp = config.smtpUrl
    ? createSmtpMailer({ transport: config.smtpUrl, from: config.mailFrom })
    : undefined;
  const mailer = overrides.mailer ?? smtp ?? createConsoleMailer();
  const registrations = createRegistrations({
    users,
    mailer,
    store: redis ? createRedisPendingStore(redis, `${prefix}signup:`) : createMemoryPendingStore(clock),
    publicUrl: config.publicUrl,
    onError: (err) => console.error('registration mail failed:', err),
    clock,
  });
  const toResetUser = (u: { id: string; email: string; username: string } | undefined) =>
    u && { id: u.id, email: u.email, username: u.username };
  const reset = createPasswordReset({
    publicResetUrl: `${config.publicUrl}/reset`,
    findUserByEmail: async (email) => toResetUser(await users.byEmail(email)),
    findUserById: async (id) => toResetUser(await users.byId(id)),
    setPassword: (id, hash) => users.setPasswordHash(id, hash),
    validator,
    mailer,
    store: redis ? createRedisResetTokenStore({ client: redis, prefix: `${prefix}pwreset:` }) : undefined,
    // Completing a reset logs the user out everywhere.
    revoker: tokens,
    events,
    clock,
    clientAddress,
    appName: 'Portcullis demo',
  });

  const uploadGuard = createMimeGuard({
    allow: ['images', 'pdf'],
    maxFileSize: config.maxUploadBytes,
    events,
  });

  const auditKey = { kid: 'demo', secret: secretFrom('AUDIT_HMAC_KEY', config.auditKey) };
  const auditSink = overrides.auditSink ? undefined : createFileSink({ dir: config.auditDir, name: 'demo' });
  // Signed checkpoints on by default: each worker's chain and head, signed every 10 s of activity
  // and at close, so a cut tail or a deleted worker file is detected (docs/audit.md).
  const checkpointKey = checkpointKeyFrom(config.auditCheckpointKey);
  const auditCheckpointKey = createPublicKey(checkpointKey);
  await mkdir(config.auditDir, { recursive: true });
  await writeFile(
    join(config.auditDir, 'checkpoints.pub.pem'),
    auditCheckpointKey.export({ format: 'pem', type: 'spki' }),
  );
  const audit = createAuditLog({
    app: 'portcullis-demo',
    sink: overrides.auditSink ?? (auditSink as FileSink),
    key: auditKey,
    checkpoints: { privateKey: checkpointKey, kid: 'demo-checkpoints', everyMs: 10_000 },
    events,
    clock,
  });
  const metrics = createMetrics({ context });

  let closing: Promise<void> | undefined;
  return {
    config,
    context,
    events,
    clientAddress,
    rateLimit,
    loginGuard,
    tokens,
    validator,
    reset,
    mailer,
    uploadGuard,
    audit,
    auditSink,
    auditKey,
    auditCheckpointKey,
    metrics,
    metricsSource: overrides.metricsSource?.(metrics) ?? metrics,
    users,
    registrations,
    files,
    redis,
    close() {
      closing ??= (async () => {
        await registrations.idle();
        await audit.close();
        smtp?.close();
        redis?.disconnect();
      })();
      return closing;
    },
  };
}
