import cluster, { type Worker } from 'node:cluster';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClusterAggregator, createScrapeHandler } from '@portcullis/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../../metrics/test/exposition.js';

// Workers run our TypeScript sources with plain Node: the dev-source condition points package
// imports at src/, and this hook maps the NodeNext `./x.js` specifiers to the `./x.ts` files.
const hook = `
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); }
    catch (err) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
      throw err;
    }
  },
});`;

const WORKERS = 4;
const REQUESTS = 200;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function hello(port: number, i: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // A fresh connection per request, so the primary's round-robin spreads them over workers.
    get({ host: '127.0.0.1', port, path: `/hello/u${i}`, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers['x-worker'])));
    }).on('error', reject);
  });
}

describe('createClusterAggregator', () => {
  const workers: Worker[] = [];
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    cluster.setupPrimary({
      exec: fileURLToPath(new URL('./metrics-cluster-worker.ts', import.meta.url)),
      execArgv: [
        '--conditions=dev-source',
        '--no-warnings',
        '--import',
        `data:text/javascript,${encodeURIComponent(hook)}`,
      ],
    });
    for (let i = 0; i < WORKERS; i++) workers.push(cluster.fork({ PORT: String(port) }));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve, reject) => {
            w.once('listening', resolve);
            w.once('exit', (code) => reject(new Error(`worker exited with code ${code} before listening`)));
          }),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) resolve();
            else {
              w.once('exit', () => resolve());
              w.kill();
            }
          }),
      ),
    );
  });

  it('reports in one scrape the sum of the requests served by 4 workers', async () => {
    const pids = new Set<string>();
    for (let i = 0; i < REQUESTS; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, j) => hello(port, i + j)));
      for (const pid of batch) pids.add(pid);
    }
    expect(pids.size).toBe(WORKERS);

    const scrape = createScrapeHandler({ source: createClusterAggregator() });
    const result = await scrape({ remoteAddress: '127.0.0.1', headers: {} });
    if (!result.ok) throw result.error;
    const parsed = parseExposition(result.body);
    const labels = { http_route: '/hello/:name', http_response_status_code: '200' };
    expect(sampleValue(parsed, 'http_server_request_duration_seconds_count', labels)).toBe(REQUESTS);
    expect(
      sampleValue(parsed, 'http_server_request_duration_seconds_bucket', { ...labels, le: '+Inf' }),
    ).toBe(REQUESTS);
    expect(sampleValue(parsed, 'http_server_active_requests')).toBe(0);
  });
});
