import { existsSync } from 'node:fs';
import type { Options } from 'tsup';

/**
 * One build for every package: ESM + .d.ts, and CommonJS + .d.cts beside it (Jest's default
 * runtime and `module: commonjs` projects `require()` the package), Node 22 target, no bundling
 * of dependencies. With `"type": "module"` tsup names them `.js`/`.d.ts` and `.cjs`/`.d.cts`.
 * `entries` are checked for existence so a package can grow subpath entries file by file.
 */
export function packageBuild(entries: readonly string[] = ['src/index.ts']): Options {
  return {
    entry: entries.filter((e) => existsSync(e)),
    format: ['esm', 'cjs'],
    target: 'node22',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    outDir: 'dist',
  };
}
