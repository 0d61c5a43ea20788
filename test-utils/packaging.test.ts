import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
// bench/ depends on every workspace package, so names resolve from there as from a user's app.
const consumer = join(root, 'bench');

interface Manifest {
  name: string;
  type?: string;
  sideEffects?: boolean;
  engines?: { node?: string };
  exports?: Record<string, unknown>;
}

const packages = readdirSync(packagesDir)
  .filter((d) => existsSync(join(packagesDir, d, 'package.json')))
  .map((d) => ({
    dir: join(packagesDir, d),
    manifest: JSON.parse(readFileSync(join(packagesDir, d, 'package.json'), 'utf8')) as Manifest,
  }));

function run(code: string, type: 'module' | 'commonjs'): string {
  return execFileSync(process.execPath, ['--input-type', type, '--eval', code], {
    cwd: consumer,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  }).trim();
}

describe('packaging', () => {
  it.each(packages.map((p) => [p.manifest.name, p] as const))(
    '%s declares ESM, no side effects, Node >= 22',
    (_n, p) => {
      expect(p.manifest.type).toBe('module');
      expect(p.manifest.sideEffects).toBe(false);
      expect(p.manifest.engines?.node).toMatch(/^>=22/);
      expect(p.manifest.exports?.['.']).toBeDefined();
    },
  );

  it.each(packages.map((p) => [p.manifest.name, p] as const))(
    '%s loads from import() and require() alike',
    (name, p) => {
      const built = existsSync(join(p.dir, 'dist', 'index.js'));
      if (!built && process.env.CI !== 'true') return; // run `pnpm build` first; CI always builds
      const subpaths = Object.keys(p.manifest.exports ?? {})
        .filter((k) => k !== './package.json')
        .filter((k) => existsSync(join(p.dir, 'dist', `${k === '.' ? 'index' : k.slice(2)}.js`)));
      for (const sub of subpaths) {
        const spec = sub === '.' ? name : `${name}/${sub.slice(2)}`;
        const esm = run(
          `const m = await import(${JSON.stringify(spec)}); console.log(Object.keys(m).sort().join(','))`,
          'module',
        );
        const cjs = run(
          `const m = require(${JSON.stringify(spec)}); console.log(Object.keys(m).filter(k => k !== '__esModule' && k !== 'module.exports').sort().join(','))`,
          'commonjs',
        );
        expect(cjs, `${spec} under require()`).toBe(esm);
      }
    },
  );
});
