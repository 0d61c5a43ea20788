/**
 * Re-measures the upload findings on the demo API, for each framework, from outside the process:
 * - memory: 50 concurrent 9 MiB uploads (accepted and stored), RSS before, peak (VmHWM) and after;
 * - over-limit: 5 uploads of 50 MiB, one after the other, against the 10 MiB limit: when the 413
 *   arrives (bytes the client had pushed, socket buffers included) and what the server read;
 * - slow uploads: 300 connections sending one byte a second; file descriptors held while they
 *   trickle and once REQUEST_TIMEOUT_MS has passed.
 * `node examples/measure-uploads.ts [express|fastify|hono ...]`; prints a table and writes
 * examples/results/uploads.json. Loopback only; each demo runs as a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../test-utils/ports.ts';

const FRAMEWORKS = ['express', 'fastify', 'hono'] as const;
type Framework = (typeof FRAMEWORKS)[number];
const MiB = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 20_000;
const PNG_HEAD = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e221bc330000000049454e44ae426082',
  'hex',
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function status(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const socketsRead = (pid: number) => {
  // Bytes the server process read from all its sockets (rchar counts every read call).
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return Number(/^rchar:\s+(\d+)/m.exec(io)?.[1] ?? 0);
};

async function startDemo(framework: Framework): Promise<{ child: ChildProcess; url: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), `portcullis-measure-${framework}-`));
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, [join(import.meta.dirname, 'run.ts')], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      FRAMEWORK: framework,
      PORT: String(port),
      DATA_DIR: dir,
      // Each simulated client gets its own address through X-Forwarded-For from loopback, so the
      // per-client limits (120/min) do not cut the load short.
      TRUST_PROXY: 'loopback',
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HEADERS_TIMEOUT_MS: '2000',
      ...(process.env.MEASURE_MAX_UPLOAD ? { MAX_UPLOAD_BYTES: process.env.MEASURE_MAX_UPLOAD } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`demo exited ${code}`)));
  });
  child.stdout?.resume();
  return { child, url: `http://127.0.0.1:${port}`, dir };
}

async function login(url: string): Promise<string> {
  const r = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.1' },
    body: JSON.stringify({ username: 'demo', password: 'Correct-Horse-Battery-9' }),
  });
  if (r.status !== 200) throw new Error(`login answered ${r.status}`);
  return ((await r.json()) as { accessToken: string }).accessToken;
}

/** One multipart upload of `size` bytes (a PNG head, then zeros), streamed over its own connection. */
function upload(
  url: string,
  token: string,
  client: string,
  size: number,
): Promise<{ status: number; pushedAtAnswer: number; pushed: number }> {
  const boundary = 'measure-boundary';
  const head = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.png"\r\ncontent-type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(64 * 1024);
  return new Promise((resolve) => {
    let pushed = 0;
    let pushedAtAnswer = -1;
    let status = 0;
    const req = request(`${url}/files`, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': head.length + size + tail.length,
        'x-forwarded-for': client,
      },
    });
    const done = () => resolve({ status, pushedAtAnswer, pushed });
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      pushedAtAnswer = pushed;
      res.resume();
      res.on('end', () => setTimeout(done, 300));
    });
    req.on('error', () => done());
    req.write(Buffer.concat([head, PNG_HEAD]));
    pushed = PNG_HEAD.length;
    const pump = () => {
      while (pushed < size && !req.destroyed) {
        const n = Math.min(chunk.length, size - pushed);
        pushed += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      if (!req.destroyed) req.end(tail);
    };
    pump();
  });
}

async function memory(pid: number, url: string, token: string) {
  const before = status(pid).rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, status(pid).rss);
  }, 25);
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => upload(url, token, `203.0.113.${i + 1}`, 9 * MiB)),
  );
  clearInterval(sampler);
  await sleep(1000);
  return {
    statuses: results.map((r) => r.status).join(','),
    rssBeforeMiB: before / MiB,
    rssPeakMiB: peak / MiB,
    rssAfterMiB: status(pid).rss / MiB,
  };
}

async function overLimit(pid: number, url: string, token: string) {
  const readBefore = socketsRead(pid);
  const started = Date.now();
  const results = [];
  for (let i = 0; i < 5; i++) results.push(await upload(url, token, `203.0.114.${i + 1}`, 50 * MiB));
  return {
    status: [...new Set(results.map((r) => r.status))],
    maxPushedAtAnswerMiB: Math.max(...results.map((r) => r.pushedAtAnswer)) / MiB,
    serverReadPerUploadMiB: (socketsRead(pid) - readBefore) / 5 / MiB,
    ms: Date.now() - started,
  };
}

async function slow(pid: number, url: string, token: string) {
  const { port } = new URL(url);
  const baseline = fds(pid);
  const sockets = Array.from({ length: 300 }, (_, i) => {
    const s = connect(Number(port), '127.0.0.1');
    s.on('error', () => {});
    s.write(
      `POST /files HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\nx-forwarded-for: 203.0.115.${(i % 250) + 1}\r\n` +
        'content-type: multipart/form-data; boundary=b\r\ncontent-length: 1000000\r\n\r\n' +
        '--b\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n',
    );
    s.write(PNG_HEAD);
    return s;
  });
  const trickle = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('x');
  }, 1000);
  await sleep(2000);
  const during = fds(pid) - baseline;
  await sleep(REQUEST_TIMEOUT_MS + 2000);
  const after = fds(pid) - baseline;
  clearInterval(trickle);
  for (const s of sockets) s.destroy();
  return {
    fdsWhileTrickling: during,
    fdsAfterRequestTimeout: after,
    openClientSockets: sockets.filter((s) => !s.destroyed).length,
  };
}

const wanted = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : FRAMEWORKS) as Framework[];
const report: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };
for (const framework of wanted) {
  const { child, url, dir } = await startDemo(framework);
  try {
    const pid = child.pid ?? 0;
    const token = await login(url);
    const row = {
      memory: process.env.MEASURE_ONLY_OVER ? undefined : await memory(pid, url, token),
      overLimit: await overLimit(pid, url, token),
      slow: process.env.MEASURE_ONLY_OVER ? undefined : await slow(pid, url, token),
    };
    report[framework] = row;
    console.log(framework, JSON.stringify(row));
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'uploads.json'), `${JSON.stringify(report, null, 2)}\n`);
