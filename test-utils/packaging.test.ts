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
  main?: string;
  types?: string;
  typesVersions?: Record<string, Record<string, string[]>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The module packages: each app installs the ones it uses (issue 15). */
const MODULES = [
  '@portcullis/audit',
  '@portcullis/metrics',
  '@portcullis/mime-guard',
  '@portcullis/password',
  '@portcullis/rate-limit',
  '@portcullis/tokens',
];
/** The packages that reach modules only through the instances the app built (core's module kit). */
const ADAPTERS = ['@portcullis/express', '@portcullis/fastify', '@portcullis/hono', '@portcullis/http'];

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
    120_000,
  );

  // @portcullis/testing is ESM only: its suites run under Vitest, which refuses require().
  it.each(
    packages
      .filter((p) => p.manifest.name !== '@portcullis/testing')
      .map((p) => [p.manifest.name, p] as const),
  )('%s ships ESM and CommonJS with types for each, and node10 types for every subpath', (_n, p) => {
    for (const [sub, target] of Object.entries(p.manifest.exports ?? {})) {
      if (sub === './package.json') continue;
      const base = sub === '.' ? 'index' : sub.slice(2);
      expect(target, sub).toMatchObject({
        import: { types: `./dist/${base}.d.ts`, default: `./dist/${base}.js` },
        require: { types: `./dist/${base}.d.cts`, default: `./dist/${base}.cjs` },
      });
      if (sub !== '.') expect(p.manifest.typesVersions?.['*']?.[base], sub).toEqual([`./dist/${base}.d.cts`]);
    }
    expect(p.manifest.main).toBe('./dist/index.cjs');
    expect(p.manifest.types).toBe('./dist/index.d.cts');
  });

  it.each(ADAPTERS.map((name) => [name] as const))(
    '%s depends on no module: each is an optional peer the app installs when it uses it',
    (name) => {
      const manifest = packages.find((p) => p.manifest.name === name)?.manifest;
      expect(manifest).toBeDefined();
      for (const module of MODULES) {
        expect(manifest?.dependencies?.[module], module).toBeUndefined();
        expect(manifest?.peerDependencies?.[module], module).toBeDefined();
        expect(manifest?.peerDependenciesMeta?.[module]?.optional, module).toBe(true);
      }
      for (const [peer, range] of Object.entries(manifest?.peerDependencies ?? {}))
        if (!peer.startsWith('@portcullis/') && !['express', 'fastify', 'hono'].includes(peer))
          expect(manifest?.peerDependenciesMeta?.[peer]?.optional, `${peer} ${range}`).toBe(true);
    },
  );

  it("@portcullis/hono's hono range starts where what it imports exists (hono/route: 4.8)", () => {
    const manifest = packages.find((p) => p.manifest.name === '@portcullis/hono')?.manifest;
    const range = manifest?.peerDependencies?.hono ?? '';
    const floor = /^\^(\d+)\.(\d+)/.exec(range);
    expect(floor, range).not.toBeNull();
    expect(Number(floor?.[1]) * 1000 + Number(floor?.[2])).toBeGreaterThanOrEqual(4008);
    const sources = readdirSync(join(packagesDir, 'hono', 'src')).map((f) =>
      readFileSync(join(packagesDir, 'hono', 'src', f), 'utf8'),
    );
    expect(sources.some((s) => s.includes("from 'hono/route'"))).toBe(true);
  });

  it.each(ADAPTERS.map((name) => [name] as const))(
    '%s loads no module package at run time (built ESM and CommonJS)',
    (name) => {
      const dist = join(packagesDir, name.slice('@portcullis/'.length), 'dist');
      if (!existsSync(dist) && process.env.CI !== 'true') return; // run `pnpm build` first; CI always builds
      const loads = new RegExp(
        `(?:from\\s*|require\\(\\s*|import\\(\\s*)['"](${MODULES.map((m) => m.replace('/', '\\/')).join('|')})(?:/[^'"]*)?['"]`,
      );
      for (const file of readdirSync(dist).filter((f) => f.endsWith('.js') || f.endsWith('.cjs')))
        expect(
          loads.exec(readFileSync(join(dist, file), 'utf8'))?.[0],
          `${name} dist/${file}`,
        ).toBeUndefined();
    },
  );
});
