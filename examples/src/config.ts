/**
 * The demo's configuration, read once from the environment. Every variable has an embedded
 * default so `pnpm demo` runs with nothing set (in-memory stores, console mailer).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Framework = 'express' | 'fastify' | 'hono';

export interface DemoConfig {
  port: number;
  host: string;
  framework: Framework;
  /** All shared state (limits, revocations, reset tokens, users) in Redis when set. */
  redisUrl: string | undefined;
  /** Redis Cluster start-up nodes (`host:port,host:port`); wins over redisUrl when set. */
  redisCluster: string | undefined;
  /** Prefix of every Redis key the demo writes, so several demos can share one Redis. */
  redisPrefix: string;
  workers: number;
  /** Real SMTP through nodemailer when set; otherwise the console mailer prints each mail. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Public base URL used to build password-reset links (never the request's Host). */
  publicUrl: string;
  dataDir: string;
  auditDir: string;
  /** Bearer token guarding /metrics; unset: /metrics answers loopback clients only. */
  metricsToken: string | undefined;
  /** Trusted proxy CIDRs (comma separated); unset: X-Forwarded-For is ignored. */
  trustProxy: string[];
  demoUser: { username: string; email: string; password: string };
  /** HMAC key for the audit chain; generated per start when unset (documented as demo-only). */
  auditKey: string | undefined;
  /**
   * HS256 secret of the access tokens (base64url, at least 32 bytes). Generated per start when
   * unset; `run.ts` generates it once in the cluster primary so every worker shares it.
   */
  tokenSecret: string | undefined;
  /** Largest upload accepted, in bytes. */
  maxUploadBytes: number;
}

const FRAMEWORKS: readonly Framework[] = ['express', 'fastify', 'hono'];

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** Reads the demo configuration; throws a readable error for a bad value. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const framework = (env.FRAMEWORK ?? 'fastify') as Framework;
  if (!FRAMEWORKS.includes(framework)) throw new Error(`FRAMEWORK must be one of ${FRAMEWORKS.join(', ')}`);
  const port = int('PORT', env.PORT, 3000, 0, 65535);
  const dataDir = env.DATA_DIR ?? join(tmpdir(), 'portcullis-demo');
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    framework,
    redisUrl: env.REDIS_URL || undefined,
    redisCluster: env.REDIS_CLUSTER || undefined,
    redisPrefix: env.REDIS_PREFIX || 'demo:',
    workers: int('WORKERS', env.WORKERS, 1, 1, 64),
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM ?? 'Portcullis demo <no-reply@example.test>',
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${port}`,
    dataDir,
    auditDir: env.AUDIT_DIR ?? join(dataDir, 'audit'),
    metricsToken: env.METRICS_TOKEN || undefined,
    trustProxy: (env.TRUST_PROXY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    demoUser: {
      username: env.DEMO_USERNAME ?? 'demo',
      email: env.DEMO_EMAIL ?? 'demo@example.test',
      password: env.DEMO_PASSWORD ?? 'Correct-Horse-Battery-9',
    },
    auditKey: env.AUDIT_HMAC_KEY || undefined,
    tokenSecret: env.TOKEN_SECRET || undefined,
    maxUploadBytes: int('MAX_UPLOAD_BYTES', env.MAX_UPLOAD_BYTES, 10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
  };
}
