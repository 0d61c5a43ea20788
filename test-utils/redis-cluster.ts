/**
 * A private Redis Cluster for tests: N masters + N replicas from the `redis-server` binary on
 * loopback (a random free port range), joined with `redis-cli --cluster create`, with a low
 * `cluster-node-timeout` so a failover takes about a second. Every process is killed by
 * `stop()`, and by an exit hook should a test crash first.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RedisClusterProcess {
  /** Every node, `127.0.0.1:port`, masters first. */
  readonly nodes: readonly string[];
  /** The same, comma-separated (the REDIS_CLUSTER setting). */
  readonly spec: string;
  /** Runs redis-cli against one node and returns its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master currently serving `slot`. */
  masterOf(slot: number): Promise<number>;
  /** The port of the replica of master `port`. */
  replicaOf(port: number): Promise<number>;
  /** SIGKILLs the node on `port` (a crash, not a shutdown). */
  kill(port: number): Promise<void>;
  /** Resolves when every slot is served by a live master again (after a failover). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/** A base port with `count` free ports and their cluster-bus ports (+10000). */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 25_000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const all = await Promise.all(ports.flatMap((p) => [portFree(p), portFree(p + 10_000)]));
    if (all.every(Boolean)) return base;
  }
  throw new Error('no free loopback port range for a Redis Cluster');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it holds; throws after `timeoutMs`. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} not reached within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Starts a cluster of `masters` masters with one replica each. Returns undefined when no
 * redis-server binary is installed, except under CI=true, where that is an error.
 */
export async function startRedisCluster(
  options: { masters?: number; nodeTimeoutMs?: number } = {},
): Promise<RedisClusterProcess | undefined> {
  const bin = process.env.REDIS_SERVER_BIN || 'redis-server';
  const masters = options.masters ?? 3;
  const count = masters * 2;
  try {
    await run(bin, ['--version']);
    await run('redis-cli', ['--version']);
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    return undefined;
  }
  const base = await freeRange(count);
  const ports = Array.from({ length: count }, (_, i) => base + i);
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cluster-'));
  const children = new Map<number, ChildProcess>();
  const killAll = () => {
    for (const c of children.values()) if (c.exitCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const cli = async (port: number, ...args: string[]) =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 })).stdout;

  for (const port of ports) {
    const child = spawn(
      bin,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 1000),
        // A dead shard must not take the healthy ones down with it (docs/scaling.md).
        '--cluster-require-full-coverage',
        'no',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    children.set(port, child);
  }
  const stop = async () => {
    killAll();
    await Promise.all(
      [...children.values()].map((c) =>
        c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)),
      ),
    );
    process.off('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  };
  const nodes = ports.map((p) => `127.0.0.1:${p}`);
  const masterOf = async (slot: number) => {
    const raw = await cli(
      ports.find((p) => children.get(p)?.exitCode === null && !children.get(p)?.signalCode) ?? base,
      'cluster',
      'slots',
    );
    // redis-cli prints CLUSTER SLOTS flat: start, end, then per node ip, port, id (+ metadata).
    const lines = raw.split('\n').map((l) => l.trim());
    for (let i = 0; i + 3 < lines.length; i++) {
      const start = Number(lines[i]);
      const end = Number(lines[i + 1]);
      if (
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        lines[i + 2] === '127.0.0.1' &&
        slot >= start &&
        slot <= end
      )
        return Number(lines[i + 3]);
    }
    throw new Error(`no master for slot ${slot}`);
  };
  const alive = () =>
    ports.filter((p) => children.get(p)?.exitCode === null && children.get(p)?.signalCode === null);
  const waitHealthy = (timeoutMs = 15_000) =>
    until('cluster_state:ok on every live node', timeoutMs, async () => {
      for (const p of alive()) {
        const info = await cli(p, 'cluster', 'info');
        if (!info.includes('cluster_state:ok')) return false;
      }
      return true;
    });
  try {
    await until('every node answering PING', 10_000, async () => {
      for (const p of ports) if (!(await cli(p, 'ping')).includes('PONG')) return false;
      return true;
    });
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 30_000,
    });
    await waitHealthy(20_000);
    // Replicas synced, so a killed master has a replica ready to take over.
    await until('every replica in sync', 20_000, async () => {
      let synced = 0;
      for (const p of ports)
        if ((await cli(p, 'info', 'replication')).includes('master_link_status:up')) synced++;
      return synced === masters;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    spec: nodes.join(','),
    cli,
    masterOf,
    async kill(port) {
      const c = children.get(port);
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    async replicaOf(port) {
      const seen: string[] = [];
      for (const p of alive()) {
        const info = await cli(p, 'info', 'replication');
        if (info.includes(`master_port:${port}\r`) || info.includes(`master_port:${port}\n`)) return p;
        seen.push(`${p}: ${info.replace(/\s+/g, ' ').slice(0, 120)}`);
      }
      throw new Error(`no replica of ${port} among ${seen.join(' | ')}`);
    },
    waitHealthy,
    stop,
  };
}

/** Whether redis-server and redis-cli are installed (checked once, synchronously). */
export function haveRedisBinaries(): boolean {
  const bin = process.env.REDIS_SERVER_BIN || 'redis-server';
  return [bin, 'redis-cli'].every((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0);
}
