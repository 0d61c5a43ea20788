import { existsSync } from 'node:fs';
import type { Options } from 'tsup';

/**
 * One build for every package: ESM + .d.ts, Node 22 target, no bundling of dependencies.
 * `entries` are checked for existence so a package can grow subpath entries file by file.
 * Built-in imports keep their `node:` prefix (tsup strips it by default): Deno, Bun and workerd
 * (`nodejs_compat`) resolve `node:crypto`, and bundlers for Workers externalise `node:*` only.
 */
export function packageBuild(entries: readonly string[] = ['src/index.ts']): Options {
  return {
    entry: entries.filter((e) => existsSync(e)),
    format: ['esm'],
    target: 'node22',
    platform: 'node',
    removeNodeProtocol: false,
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    outDir: 'dist',
  };
}
