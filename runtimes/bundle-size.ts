/**
 * Measures the Workers bundles (`node runtimes/bundle-size.ts`, after `pnpm build`): the matrix's
 * Worker through the Hono adapter's subpath entries, and the same app through the one-call
 * `portcullis()` entry, each minified (raw and gzip -9), by package, and whether workerd starts it.
 */
import { bundleWorker, startWorkerd, type WorkerBundle } from './harness.ts';

const ENTRIES = {
  'subpath entries (@portcullis/hono/rate-limit + /tokens)': 'app/worker.ts',
  'one-call entry (portcullis() from @portcullis/hono, rateLimit + tokens)': 'app/worker-one-call.ts',
} as const;

/** `packages/<name>/…` or `node_modules/.pnpm/…/node_modules/<name>/…` → a package name. */
function packageOf(path: string): string {
  const workspace = /(?:^|\/)packages\/([^/]+)\//.exec(path);
  if (workspace) return `@portcullis/${workspace[1]}`;
  const deps = [...path.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  return deps.at(-1)?.[1] ?? path.split('/').slice(0, 2).join('/');
}

function byPackage(bundle: WorkerBundle): Array<[string, number]> {
  const sizes = new Map<string, number>();
  for (const { path, bytes } of bundle.inputs)
    sizes.set(packageOf(path), (sizes.get(packageOf(path)) ?? 0) + bytes);
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

for (const [label, entry] of Object.entries(ENTRIES)) {
  const bundle = await bundleWorker(entry);
  console.log(`\n${label}: ${kib(bundle.bytes)} minified, ${kib(bundle.gzipBytes)} gzip -9`);
  for (const [name, bytes] of byPackage(bundle).slice(0, 12))
    console.log(`  ${kib(bytes).padStart(10)}  ${name}`);
  console.log(`  imports left to the runtime: ${bundle.externalImports.join(', ') || 'none'}`);
  let started: string;
  try {
    const app = await startWorkerd(bundle.code, '2026-11-01');
    const res = await fetch(`${app.url}/open`, { headers: { 'cf-connecting-ip': '198.51.100.1' } });
    started = `GET /open → ${res.status}`;
    await app.close();
  } catch (err) {
    started = `does not start: ${(err instanceof Error ? err.message : String(err)).split('\n').slice(0, 3).join(' | ')}`;
  }
  console.log(`  workerd (compatibility date 2026-11-01): ${started}`);
}
