import { existsSync } from 'node:fs';
import type { Options } from 'tsup';

/** Per-package choices of {@link packageBuild}. */
export interface PackageBuildOptions {
  /**
   * ESM-only dependencies bundled into the CommonJS build (jose, file-type and its chain), so a
   * `require()` of the package works where `require(esm)` does not: Jest 30's module runtime
   * without `--experimental-vm-modules`. The ESM build keeps importing them.
   */
  cjsBundle?: readonly (string | RegExp)[] | undefined;
  /** No CommonJS build: for a package whose own peer refuses `require()` (Vitest). */
  esmOnly?: boolean | undefined;
}

/**
 * One build for every package: ESM + .d.ts, and CommonJS + .d.cts beside it (Jest's default
 * runtime and `module: commonjs` projects `require()` the package), Node 22 target, no bundling
 * of dependencies. With `"type": "module"` tsup names them `.js`/`.d.ts` and `.cjs`/`.d.cts`.
 * `entries` are checked for existence so a package can grow subpath entries file by file.
 * Built-in imports keep their `node:` prefix (tsup strips it by default): Deno, Bun and workerd
 * (`nodejs_compat`) resolve `node:crypto`, and bundlers for Workers externalise `node:*` only.
 */
export function packageBuild(
  entries: readonly string[] = ['src/index.ts'],
  options: PackageBuildOptions = {},
): Options | Options[] {
  const base: Options = {
    entry: entries.filter((e) => existsSync(e)),
    format: ['esm', 'cjs'],
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
  if (options.esmOnly === true) return { ...base, format: ['esm'] };
  if (options.cjsBundle === undefined) return base;
  // Two builds side by side; each cleans only its own files, so neither removes the other's.
  return [
    { ...base, format: ['esm'], clean: ['*.js', '*.js.map', '*.d.ts'] },
    {
      ...base,
      format: ['cjs'],
      clean: ['*.cjs', '*.cjs.map', '*.d.cts'],
      noExternal: [...options.cjsBundle],
    },
  ];
}
