/**
 * The runtime matrix's harness: finds the Bun, Deno and workerd binaries that the npm registry
 * ships (as optional dependencies of `bun`, `deno` and `workerd`; their postinstall scripts are
 * not run, see pnpm-workspace.yaml), bundles the Worker, starts each runtime on loopback and
 * stops it. Every start is bounded in time; every server listens on 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { freeLoopbackPort } from '../test-utils/ports.ts';

export const RUNTIMES_DIR = import.meta.dirname;
export const ROOT = join(RUNTIMES_DIR, '..');
const require = createRequire(join(RUNTIMES_DIR, 'package.json'));

/** Platform packages of each launcher, and the binary's path inside them. */
const PLATFORM_BINARIES: Record<'bun' | 'deno' | 'workerd', Record<string, [string, string]>> = {
  bun: {
    'linux-x64': ['@oven/bun-linux-x64', 'bin/bun'],
    'linux-arm64': ['@oven/bun-linux-aarch64', 'bin/bun'],
    'darwin-x64': ['@oven/bun-darwin-x64', 'bin/bun'],
    'darwin-arm64': ['@oven/bun-darwin-aarch64', 'bin/bun'],
  },
  deno: {
    'linux-x64': ['@deno/linux-x64-glibc', 'deno'],
    'linux-arm64': ['@deno/linux-arm64-glibc', 'deno'],
    'darwin-x64': ['@deno/darwin-x64', 'deno'],
    'darwin-arm64': ['@deno/darwin-arm64', 'deno'],
  },
  workerd: {
    'linux-x64': ['@cloudflare/workerd-linux-64', 'bin/workerd'],
    'linux-arm64': ['@cloudflare/workerd-linux-arm64', 'bin/workerd'],
    'darwin-x64': ['@cloudflare/workerd-darwin-64', 'bin/workerd'],
    'darwin-arm64': ['@cloudflare/workerd-darwin-arm64', 'bin/workerd'],
  },
};
const LAUNCHER_PACKAGE = { bun: 'bun-bin', deno: 'deno-bin', workerd: 'workerd' } as const;

/** The runtime's binary, from its npm platform package (installed next to its launcher package). */
export function runtimeBinary(name: 'bun' | 'deno' | 'workerd'): string {
  const platform = `${process.platform}-${process.arch}`;
  const entry = PLATFORM_BINARIES[name][platform];
  if (!entry) throw new Error(`no ${name} binary known for ${platform}`);
  const launcher = dirname(require.resolve(`${LAUNCHER_PACKAGE[name]}/package.json`));
  const fromLauncher = createRequire(join(launcher, 'package.json'));
  return join(dirname(fromLauncher.resolve(`${entry[0]}/package.json`)), entry[1]);
}

/** A running runtime serving the matrix app. */
export interface RunningRuntime {
  readonly url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

function track(child: ChildProcess): { output: () => string; exited: Promise<number | null> } {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { output: () => out, exited };
}

function stopper(child: ChildProcess, exited: Promise<number | null>, cleanup?: () => void) {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
    cleanup?.();
  };
}

/**
 * Starts `command` (an entry that prints `listening <port>` once it serves) and resolves with its
 * URL; fails with its output if it exits or stays silent past the start timeout.
 */
export async function startListening(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningRuntime> {
  const child = spawn(command, args, {
    cwd: RUNTIMES_DIR,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, exited } = track(child);
  const close = stopper(child, exited);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const port = /listening (\d+)/.exec(output())?.[1];
    if (port) return { url: `http://127.0.0.1:${port}`, output, close };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await close();
  throw new Error(`${command} ${args.join(' ')} did not start:\n${output()}`);
}

/** What one runtime of the matrix is, and how to start the app on it. */
export interface RuntimeTarget {
  readonly name: string;
  /** What `GET /runtime` answers there. */
  readonly runtime: 'node' | 'bun' | 'deno' | 'workerd';
  /** True where clients are told apart by their socket (else by `cf-connecting-ip`). */
  readonly socket: boolean;
  start(): Promise<RunningRuntime>;
}

/** Which app: the subpath entries (app.ts) or the one-call `portcullis()` (one-call.ts). */
export type AppEntry = 'subpath' | 'one-call';
const entryArgs = (entry: AppEntry) => (entry === 'one-call' ? ['--one-call'] : []);

export function nodeTarget(entry: AppEntry): RuntimeTarget {
  return {
    name: `node, ${entry} entry`,
    runtime: 'node',
    socket: true,
    start: () => startListening(process.execPath, ['app/node.ts', ...entryArgs(entry)]),
  };
}

export const bunCommand = (entry: AppEntry, extra: string[] = []) =>
  [runtimeBinary('bun'), ['--no-install', 'app/bun.ts', ...entryArgs(entry), ...extra]] as const;

export function bunTarget(entry: AppEntry): RuntimeTarget {
  return {
    name: `bun, ${entry} entry`,
    runtime: 'bun',
    socket: true,
    start: () => startListening(...bunCommand(entry)),
  };
}

/**
 * Deno without `-A`: loopback network and reading the checkout (node_modules and the app);
 * nothing else (no writes, no subprocesses). `--no-prompt` turns any other access into an error
 * instead of a question. The one-call entry needs no more: it loads only the modules the app
 * built instances of (it used to import mime-guard, whose file-type chain reads the whole
 * environment at import through `debug`, so it needed `--allow-env`).
 */
export function denoCommand(entry: AppEntry, denoDir: string, extra: string[] = []) {
  const permissions = ['--allow-net=127.0.0.1', `--allow-read=${ROOT}`];
  return {
    permissions,
    command: runtimeBinary('deno'),
    args: ['run', '--no-prompt', '--no-lock', ...permissions, 'app/deno.ts', ...entryArgs(entry), ...extra],
    env: { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  };
}

export function denoTarget(entry: AppEntry, denoDir: string): RuntimeTarget {
  const deno = denoCommand(entry, denoDir);
  return {
    name: `deno ${deno.permissions.join(' ').replace(ROOT, '<checkout>')}, ${entry} entry`,
    runtime: 'deno',
    socket: true,
    start: () => startListening(deno.command, deno.args, deno.env),
  };
}

/** Runs a command that should exit by itself (bounded), and gives its exit code and output. */
export async function runToExit(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, {
    cwd: RUNTIMES_DIR,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, exited } = track(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: output() };
}

/** The Workers bundle: the app's worker entry, from the packages' dist/, as a Workers bundler sees it. */
export interface WorkerBundle {
  readonly code: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Input files and their bytes in the output, largest first. */
  readonly inputs: ReadonlyArray<{ path: string; bytes: number }>;
  /** Modules left to the runtime (imports the bundle still makes). */
  readonly externalImports: readonly string[];
}

/**
 * Bundles `entry` for Workers with esbuild (what wrangler uses): ESM, minified, the `workerd` /
 * `worker` / `browser` export conditions, Node built-ins left to `nodejs_compat`.
 */
export async function bundleWorker(entry: string): Promise<WorkerBundle> {
  const result = await build({
    entryPoints: [join(RUNTIMES_DIR, entry)],
    absWorkingDir: RUNTIMES_DIR,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['node:*', ...builtinModules],
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild wrote nothing');
  const output = Object.values(result.metafile.outputs)[0];
  const inputs = Object.entries(output?.inputs ?? {})
    .map(([path, v]) => ({ path, bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  const externalImports = [
    ...new Set((output?.imports ?? []).filter((i) => i.external).map((i) => i.path)),
  ].sort();
  return {
    code: file.text,
    bytes: file.contents.byteLength,
    gzipBytes: gzipSync(file.contents, { level: 9 }).byteLength,
    inputs,
    externalImports,
  };
}

/**
 * Serves `code` (an ES module Worker) in workerd on a free loopback port, with `nodejs_compat`
 * and the given compatibility date. Ready once it answers `GET /runtime`.
 */
export async function startWorkerd(code: string, compatibilityDate: string): Promise<RunningRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-workerd-'));
  writeFileSync(join(dir, 'worker.js'), code);
  const port = await freeLoopbackPort();
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${compatibilityDate}",
  compatibilityFlags = ["nodejs_compat"],
);
`,
  );
  const child = spawn(runtimeBinary('workerd'), ['serve', join(dir, 'config.capnp')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, exited } = track(child);
  const close = stopper(child, exited, () => rmSync(dir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    const ready = await send(url, { path: '/ready' }).then(
      () => true,
      () => false,
    );
    if (ready) return { url, output, close };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await close();
  throw new Error(`workerd (compatibility date ${compatibilityDate}) did not start:\n${output()}`);
}

export function workerdTarget(
  bundle: () => WorkerBundle,
  compatibilityDate: string,
  entry: AppEntry = 'subpath',
): RuntimeTarget {
  return {
    name: `workerd (nodejs_compat, compatibility date ${compatibilityDate}${entry === 'one-call' ? ', one-call' : ''})`,
    runtime: 'workerd',
    socket: false,
    start: () => startWorkerd(bundle().code, compatibilityDate),
  };
}

/** One HTTP exchange over a fresh connection (so `localAddress` picks the client's address). */
export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function send(
  base: string,
  init: {
    path: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    localAddress?: string | undefined;
  },
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}${init.path}`,
      {
        method: init.method ?? 'GET',
        headers:
          init.body === undefined
            ? init.headers
            : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        agent: false,
        localAddress: init.localAddress,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${base}${init.path} within 10 s`)));
    req.on('error', reject);
    req.end(init.body);
  });
}
