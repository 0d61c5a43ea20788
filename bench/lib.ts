/**
 * The shared harness of every benchmark: each case is measured in the same process and the
 * same run as its baseline, in interleaved rounds, and the ratio is ours over theirs.
 * Results go to bench/results/<name>.json in one shape for all benchmarks.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { usingDevSource } from './dev-source.ts';

export interface BenchCase {
  /** `group/subject`, e.g. `memory/portcullis`. */
  id: string;
  /** Id of the case this one is compared with (same run). */
  baseline?: string | undefined;
  /** One operation. Sync or async; an async op is awaited before the next. */
  fn: () => unknown;
  setup?: (() => unknown) | undefined;
  teardown?: (() => unknown) | undefined;
}

export interface CaseResult {
  id: string;
  opsPerSec: number;
  p50Ns: number;
  p99Ns: number;
  baseline?: string | undefined;
  ratio?: number | undefined;
  [extra: string]: unknown;
}

export interface SuiteOptions {
  /** Time per case per round, in ms. Default 1000. */
  durationMs?: number;
  /** Interleaved rounds; the median round is kept. Default 3. */
  rounds?: number;
  /** Warm-up per case before the first round, in ms. Default 300. */
  warmupMs?: number;
  /**
   * Turn the event loop after every batch of ops (at most 64), inside the timed window. Needed
   * where an op settles in microtasks but leaves immediates or timers behind (a framework's
   * per-request clean-up, e.g. Fastify's `inject()` or Hono's `app.request()`): without a turn
   * they pile up, holding memory (inject() grew ~10 KB per request, 2 GB in a round), and run
   * later inside another case's window. A server turns the loop between requests. Default false:
   * a turn costs ~1 µs, a visible share of the fastest sync ops.
   */
  turnLoop?: boolean;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** One turn of the event loop: pending immediates (and due timers, I/O callbacks) run. */
const turnLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Throughput: ops in `ms` with no per-op timer (timers cost more than the fastest ops). */
async function throughput(
  fn: () => unknown,
  ms: number,
  turn: boolean,
): Promise<{ wall: number; cpu: number }> {
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  // Batches grow to 64 ops while a batch takes under 1 ms: slow ops (a cold start, a scrypt)
  // are not run 64 times past the deadline.
  let batch = 1;
  while (now < end) {
    for (let i = 0; i < batch; i++) {
      const r = fn();
      if (isThenable(r)) await r;
    }
    if (turn) await turnLoop();
    ops += batch;
    const t = process.hrtime.bigint();
    if (batch < 64 && t - now < 1_000_000n) batch *= 2;
    now = t;
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: ops / (Number(now - start) / 1e9), cpu: ops / ((cpu.user + cpu.system) / 1e6 || 1e-6) };
}

/** Latency: each op timed on its own; returns sorted ns samples. */
async function latency(
  fn: () => unknown,
  ms: number,
  turn: boolean,
  maxSamples = 200_000,
): Promise<Float64Array> {
  const samples = new Float64Array(maxSamples);
  let n = 0;
  const end = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  while (n < maxSamples) {
    const t0 = process.hrtime.bigint();
    const r = fn();
    if (isThenable(r)) await r;
    const t1 = process.hrtime.bigint();
    samples[n++] = Number(t1 - t0);
    if (t1 > end) break;
    // As in throughput(), but outside the timed op.
    if (turn && n % 64 === 0) await turnLoop();
  }
  return samples.subarray(0, n).sort();
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Measures every case in interleaved rounds and computes ratios against baselines. */
export async function runCases(cases: BenchCase[], options: SuiteOptions = {}): Promise<CaseResult[]> {
  const durationMs = options.durationMs ?? 1000;
  // BENCH_ROUNDS raises the rounds of every suite (a loaded machine needs more to show a spread).
  const rounds = Math.max(options.rounds ?? 3, Number(process.env.BENCH_ROUNDS ?? 0) || 0);
  const warmupMs = options.warmupMs ?? 300;
  const turn = options.turnLoop ?? false;
  const ops = new Map<string, number[]>();
  const cpuOps = new Map<string, number[]>();
  const lat = new Map<string, Float64Array[]>();
  for (const c of cases) {
    await c.setup?.();
    await throughput(c.fn, warmupMs, turn);
    await c.teardown?.();
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      await c.setup?.();
      const o = await throughput(c.fn, durationMs / 2, turn);
      const l = await latency(c.fn, durationMs / 2, turn);
      await c.teardown?.();
      ops.set(c.id, [...(ops.get(c.id) ?? []), o.wall]);
      cpuOps.set(c.id, [...(cpuOps.get(c.id) ?? []), o.cpu]);
      lat.set(c.id, [...(lat.get(c.id) ?? []), l]);
    }
  }
  const results: CaseResult[] = cases.map((c) => {
    const all = lat.get(c.id)!;
    const merged = new Float64Array(all.reduce((n, a) => n + a.length, 0));
    let off = 0;
    for (const a of all) {
      merged.set(a, off);
      off += a.length;
    }
    merged.sort();
    const res: CaseResult = {
      id: c.id,
      opsPerSec: Math.round(median(ops.get(c.id)!)),
      p50Ns: Math.round(quantile(merged, 0.5)),
      p99Ns: Math.round(quantile(merged, 0.99)),
      opsPerRound: ops.get(c.id)!.map(Math.round),
      // Ops per second of this process's CPU time (threads included): steadier than wall-clock
      // throughput when other work shares the cores, though not immune to it (caches, SMT).
      cpuOpsPerSec: Math.round(median(cpuOps.get(c.id)!)),
      cpuOpsPerRound: cpuOps.get(c.id)!.map(Math.round),
    };
    if (c.baseline) res.baseline = c.baseline;
    return res;
  });
  return withRatios(results);
}

/**
 * Fills `ratio` = opsPerSec / baseline's opsPerSec for results measured in the same run, and its
 * spread: the ratio of each interleaved round (`ratioRounds`) and their lowest and highest. A
 * round's two figures were measured seconds apart, so a round's ratio is the steadier reading
 * on a loaded machine; the spread says how far to trust the median.
 */
export function withRatios(results: CaseResult[]): CaseResult[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  for (const r of results) {
    if (!r.baseline) continue;
    const base = byId.get(r.baseline);
    if (base && base.opsPerSec > 0) r.ratio = round3(r.opsPerSec / base.opsPerSec);
    const ours = r.opsPerRound as number[] | undefined;
    const theirs = base?.opsPerRound as number[] | undefined;
    if (ours && theirs && ours.length === theirs.length && ours.length > 0) {
      const rounds = ours.map((o, i) => round3(o / theirs[i]!));
      r.ratioRounds = rounds;
      r.ratioMin = Math.min(...rounds);
      r.ratioMax = Math.max(...rounds);
    }
    const oursCpu = r.cpuOpsPerRound as number[] | undefined;
    const theirsCpu = base?.cpuOpsPerRound as number[] | undefined;
    if (oursCpu && theirsCpu && oursCpu.length === theirsCpu.length && oursCpu.length > 0) {
      const rounds = oursCpu.map((o, i) => round3(o / theirsCpu[i]!));
      r.cpuRatio = round3((r.cpuOpsPerSec as number) / (base!.cpuOpsPerSec as number));
      r.cpuRatioMin = Math.min(...rounds);
      r.cpuRatioMax = Math.max(...rounds);
    }
  }
  return results;
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100);
}

/** Prints the table and writes bench/results/<name>.json. */
export function report(name: string, cases: CaseResult[]): void {
  const doc = {
    name,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    date: new Date().toISOString(),
    // What was measured: the repository's sources, or whatever dist/ holds (possibly stale).
    source: usingDevSource() ? 'src' : 'dist',
    cases,
  };
  const path = join(import.meta.dirname, 'results', `${name}.json`);
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
  const rows = cases.map((c) => ({
    case: c.id,
    'ops/s': fmt(c.opsPerSec),
    'p50 ns': fmt(c.p50Ns),
    'p99 ns': fmt(c.p99Ns),
    'vs baseline':
      c.ratio === undefined
        ? ''
        : `${c.ratio}x ${c.baseline}${c.ratioMin === undefined ? '' : ` (rounds ${c.ratioMin}-${c.ratioMax})`}`,
    'cpu-time ratio':
      c.cpuRatio === undefined ? '' : `${c.cpuRatio}x (rounds ${c.cpuRatioMin}-${c.cpuRatioMax})`,
  }));
  console.log(`\n${name} (${doc.node}, ${doc.cpu}, packages from ${doc.source})`);
  if (doc.source === 'dist') console.log('note: measured dist/ (run through `pnpm bench` to measure src/)');
  console.table(rows);
  console.log(`wrote ${path}`);
}
