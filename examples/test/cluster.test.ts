/**
 * The demo under node:cluster: 4 workers sharing the real Redis, then a real Redis Cluster
 * (3 masters + 3 replicas). Runs `node examples/run.ts` as a child process against the built
 * packages (`pnpm test` builds first), the way `WORKERS=4 REDIS_URL=... pnpm demo` and
 * `WORKERS=4 REDIS_CLUSTER=host:port,... pnpm demo` run it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisClient, waitForRedis } from '@portcullis/redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freeLoopbackPort } from '../../test-utils/ports.ts';
import { describeRedis, describeRedisCluster, uniquePrefix } from '../../test-utils/redis.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const METRICS_TOKEN = 'cluster-test-metrics-token';

interface Reply {
  status: number;
  body: string;
}

/** One request on a fresh connection (no keep-alive), so the cluster spreads them over workers. */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<Reply>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The scenarios, against whatever shared Redis `redisEnv` names (REDIS_URL or REDIS_CLUSTER).
 * `cleanup` removes the run's keys afterwards, where the server outlives the test.
 */
function demoScenarios(redisEnv: () => Record<string, string>, cleanup?: (prefix: string) => Promise<void>) {
  let child: ChildProcess;
  let port = 0;
  let dir = '';
  const prefix = uniquePrefix('demo-cluster');
  let output = '';

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'packages/fastify/dist/index.js')))
      throw new Error('build the packages first (pnpm build): run.ts runs against dist/');
    port = await freeLoopbackPort();
    dir = await mkdtemp(join(tmpdir(), 'portcullis-cluster-'));
    child = spawn(process.execPath, [join(ROOT, 'examples/run.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        WORKERS: '4',
        ...redisEnv(),
        REDIS_PREFIX: prefix,
        PORT: String(port),
        FRAMEWORK: 'fastify',
        DATA_DIR: dir,
        METRICS_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer) => {
        output += b.toString();
        if (output.includes('listening on')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (b: Buffer) => {
        output += b.toString();
      });
      child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
    });
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await cleanup?.(prefix);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const json = { 'content-type': 'application/json' };
  const credentials = JSON.stringify({ username: 'demo', password: 'Correct-Horse-Battery-9' });

  it('lets exactly 5 of 50 concurrent logins from one client through, across the 4 workers', async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => send(port, 'POST', '/auth/login', json, credentials)),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45);

    // /metrics on any worker reports the sum over all workers: the 50 logins (this demo's only
    // POSTs so far), wherever they landed. The 429s answered before routing carry no route label.
    const metrics = await send(port, 'GET', '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(metrics.status).toBe(200);
    const logins = metrics.body
      .split('\n')
      .filter(
        (l) =>
          l.startsWith('http_server_request_duration_seconds_count{') &&
          l.includes('http_request_method="POST"'),
      )
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    expect(logins).toBe(50);

    // A token revoked through one worker is refused by all of them.
    const token = (JSON.parse(replies.find((r) => r.status === 200)?.body ?? '{}') as { accessToken: string })
      .accessToken;
    const auth = { authorization: `Bearer ${token}` };
    const before = await Promise.all(Array.from({ length: 12 }, () => send(port, 'GET', '/me', auth)));
    expect(before.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect((await send(port, 'POST', '/auth/logout', auth)).status).toBe(204);
    const after = await Promise.all(Array.from({ length: 12 }, () => send(port, 'GET', '/me', auth)));
    expect(after.map((r) => r.status)).toEqual(Array(12).fill(401));
  }, 30_000);

  /** Resolves with the first match of `re` in what the demo prints from now on (no polling, no sleep). */
  const nextOutput = (re: RegExp) => {
    const from = output.length;
    return new Promise<RegExpExecArray>((resolve) => {
      const check = () => {
        const m = re.exec(output.slice(from));
        if (!m) return;
        child.stdout?.off('data', check);
        resolve(m);
      };
      child.stdout?.on('data', check);
    });
  };

  it('holds a reset token across workers: mailed by one, spent exactly once by 4 concurrent confirms', async () => {
    // No SMTP_URL: the console mailer prints the mail on the worker's stdout.
    const mail = nextOutput(/\/reset\?token=([A-Za-z0-9._~-]+)/);
    const asked = await send(
      port,
      'POST',
      '/auth/password-reset',
      json,
      JSON.stringify({ email: 'demo@example.test' }),
    );
    expect(asked.status).toBe(202);
    const token = (await mail)[1];
    const body = JSON.stringify({ token, password: 'A-New-Cluster-Passphrase-8' });
    const confirms = await Promise.all(
      Array.from({ length: 4 }, () => send(port, 'POST', '/auth/password-reset/confirm', json, body)),
    );
    expect(confirms.map((r) => r.status).sort()).toEqual([204, 400, 400, 400]);
  }, 20_000);

  it('stops gracefully on SIGTERM (workers close, audit flushed) with exit code 0', async () => {
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  }, 15_000);
}

describeRedis('demo API on 4 cluster workers sharing Redis', (url) =>
  demoScenarios(
    () => ({ REDIS_URL: url }),
    async (prefix) => {
      const redis = createRedisClient(url);
      await waitForRedis(redis);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  ),
);

describeRedisCluster(
  'demo API on 4 cluster workers sharing a Redis Cluster (3 masters + 3 replicas)',
  (cluster) => demoScenarios(() => ({ REDIS_CLUSTER: cluster().spec })),
);
