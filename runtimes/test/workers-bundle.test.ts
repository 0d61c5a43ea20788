/**
 * The Workers bundle of rate limiting + tokens through the Hono adapter's subpath entries: it
 * carries none of the modules the app does not use, and leaves only `node:*` to nodejs_compat.
 * `node runtimes/bundle-size.ts` prints the figures (README, docs/runtimes.md).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleWorker, ROOT } from '../harness.ts';

const built = existsSync(join(ROOT, 'packages/hono/dist/rate-limit.js'));
const maybe = built || process.env.CI === 'true' ? describe : describe.skip;

/** Above today's 102 KiB (36 KiB gzip): a guard against a module creeping in, not a goal. */
const MAX_BYTES = 128 * 1024;

maybe('Workers bundle (subpath entries, memory stores)', () => {
  it('stays small, holds only what rate limiting and tokens use, and imports only node:* built-ins', async () => {
    const bundle = await bundleWorker('app/worker.ts');
    const paths = bundle.inputs.map((i) => i.path);
    // @portcullis/http is in: the subpath entries reach module code through its kit accessors
    // (what is left of it once tree-shaken counts in the size bound below).
    for (const unused of [
      'packages/audit/',
      'packages/metrics/',
      'packages/mime-guard/',
      'packages/password/',
      'prom-client',
      'file-type',
      'busboy',
    ])
      expect(
        paths.filter((p) => p.includes(unused)),
        unused,
      ).toEqual([]);
    expect(bundle.externalImports.filter((i) => !i.startsWith('node:'))).toEqual([]);
    expect(bundle.bytes).toBeLessThan(MAX_BYTES);
  });
});
