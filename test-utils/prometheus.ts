/**
 * Prometheus and promtool for integration tests, the way test-utils/redis.ts handles Redis: the
 * Debian binaries (`apt-get install prometheus` ships both) on PATH, or PROMETHEUS_BIN and
 * PROMTOOL_BIN. Absent locally: the tests skip with a message. Under CI=true absent is a failure.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { freeLoopbackPort } from './ports.ts';

/** Paths of the Prometheus binaries. */
export interface PrometheusBinaries {
  readonly promtool: string;
  readonly prometheus: string;
}

function works(bin: string): boolean {
  const r = spawnSync(bin, ['--version'], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/**
 * The binaries, or undefined (with the missing ones named in `missing`) when one is absent.
 * Under CI=true a missing binary throws: CI must run these tests.
 */
export function prometheusBinaries(): PrometheusBinaries | undefined {
  const promtool = process.env.PROMTOOL_BIN || 'promtool';
  const prometheus = process.env.PROMETHEUS_BIN || 'prometheus';
  const missing = [promtool, prometheus].filter((b) => !works(b));
  if (missing.length === 0) return { promtool, prometheus };
  if (process.env.CI === 'true') {
    throw new Error(
      `${missing.join(' and ')} not runnable under CI=true: install Debian's prometheus package (.ci/run does)`,
    );
  }
  return undefined;
}

/** `describe` that runs only when promtool and prometheus are installed (and fails under CI when not). */
export function describePrometheus(name: string, fn: (bins: PrometheusBinaries) => void): void {
  const bins = prometheusBinaries();
  if (!bins) {
    describe.skip(`${name} (skipped: install Debian's prometheus package for promtool and prometheus)`, () => {});
    return;
  }
  describe(name, () => fn(bins));
}

/** One sample of an instant vector. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** One series of a range query. */
export interface PromSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** A Prometheus server started by {@link startPrometheus}. */
export interface PrometheusServer {
  readonly url: string;
  /** GET `/api/v1/<path>`; throws on a non-success answer (a PromQL error included). */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  /** Instant query (`/api/v1/query`). */
  query(expr: string): Promise<PromSample[]>;
  /** Range query (`/api/v1/query_range`). */
  queryRange(expr: string, start: number, end: number, step: number): Promise<PromSeries[]>;
  /** Polls `expr` every 250 ms until `ok(result)` or `timeoutMs`, then throws with the last result. */
  waitFor(expr: string, ok: (r: PromSample[]) => boolean, timeoutMs?: number): Promise<PromSample[]>;
  /** What the server printed (its log). */
  output(): string;
  /** Kills the server and removes its data folder. */
  stop(): Promise<void>;
}

/**
 * Starts `prometheus` on a free loopback port with `config` (prometheus.yml text) in its own
 * temporary folder (config and TSDB), and waits (at most `readyTimeoutMs`) until it is ready.
 */
export async function startPrometheus(
  bin: string,
  config: string,
  readyTimeoutMs = 20_000,
): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, config);
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (b: Buffer) => {
    log += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    log += b.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    }
    await rm(dir, { recursive: true, force: true });
  };

  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`, {
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (body.status !== 'success')
      throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
    return body.data;
  };
  const query = async (expr: string) =>
    (await api<{ resultType: string; result: PromSample[] }>('query', { query: expr })).result;
  const queryRange = async (expr: string, start: number, end: number, step: number) =>
    (
      await api<{ result: PromSeries[] }>('query_range', {
        query: expr,
        start: String(start),
        end: String(end),
        step: String(step),
      })
    ).result;
  const waitFor = async (expr: string, ok: (r: PromSample[]) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: PromSample[] = [];
    for (;;) {
      last = await query(expr);
      if (ok(last)) return last;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting on ${expr}; last: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`prometheus exited before it was ready:\n${log}`);
    }
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after ${readyTimeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, api, query, queryRange, waitFor, output: () => log, stop };
}

/** One alerting rule of a rule file, as {@link readAlertRules} reads it. */
export interface AlertRuleText {
  readonly name: string;
  readonly expr: string;
  readonly severity: string | undefined;
  readonly summary: string | undefined;
  readonly description: string | undefined;
  /** Line indexes (0-based, end exclusive) of the expression's block scalar. */
  readonly exprLines: readonly [number, number];
}

/**
 * Reads the alerting rules of deploy/prometheus/alerts.yml's layout (`- alert:`, `expr: |` with
 * an indented block, `severity:`, `summary:` and `description:` on one line each). Not a YAML
 * parser: promtool checks the file; this only lets the tests name and rewrite each rule.
 */
export function readAlertRules(text: string): AlertRuleText[] {
  const lines = text.split('\n');
  const rules: AlertRuleText[] = [];
  const indent = (l: string) => l.length - l.trimStart().length;
  const value = (l: string) => {
    const v = l.slice(l.indexOf(':') + 1).trim();
    return v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
  };
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)- alert: (\S+)\s*$/.exec(lines[i] ?? '');
    if (!m) continue;
    const start = i;
    let end = i + 1;
    while (
      end < lines.length &&
      !/^\s*- (alert|record): /.test(lines[end] ?? '') &&
      !/^\s*- name: /.test(lines[end] ?? '')
    )
      end++;
    let expr = '';
    let exprLines: [number, number] = [0, 0];
    let severity: string | undefined;
    let summary: string | undefined;
    let description: string | undefined;
    for (let j = start + 1; j < end; j++) {
      const line = lines[j] ?? '';
      const t = line.trim();
      if (t === 'expr: |') {
        const base = indent(line);
        let k = j + 1;
        while (k < end && ((lines[k] ?? '').trim() === '' || indent(lines[k] ?? '') > base)) k++;
        exprLines = [j + 1, k];
        expr = lines
          .slice(j + 1, k)
          .map((l) => l.trim())
          .join('\n')
          .trim();
        j = k - 1;
      } else if (t.startsWith('expr: ')) {
        expr = value(line);
        exprLines = [j, j + 1];
      } else if (t.startsWith('severity:')) severity = value(line);
      else if (t.startsWith('summary:')) summary = value(line);
      else if (t.startsWith('description:')) description = value(line);
    }
    rules.push({ name: m[2] ?? '', expr, severity, summary, description, exprLines });
  }
  return rules;
}

/** `text` with `rule`'s expression replaced by `expr` (one line). */
export function replaceRuleExpr(text: string, rule: AlertRuleText, expr: string): string {
  const lines = text.split('\n');
  const [from, to] = rule.exprLines;
  const first = lines[from] ?? '';
  const pad = ' '.repeat(first.length - first.trimStart().length);
  // A one-line `expr: ...` keeps its key; a block scalar keeps its `expr: |` line above.
  lines.splice(
    from,
    to - from,
    first.trimStart().startsWith('expr: ') ? `${pad}expr: ${expr}` : `${pad}${expr}`,
  );
  return lines.join('\n');
}

export { freeLoopbackPort } from './ports.ts';
