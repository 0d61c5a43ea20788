/**
 * What Deno, Bun and workerd need from the packages themselves:
 * - the built files import Node built-ins as `node:*` (tsup strips the prefix by default, and a
 *   Workers bundler leaves only `node:*` to `nodejs_compat`);
 * - the packages meant to run everywhere (core, rate-limit, tokens, the Hono adapter) touch no
 *   bare `process` and take `Buffer` from `node:buffer`, never from the global scope.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../harness.ts';

const packagesDir = join(ROOT, 'packages');
const packages = readdirSync(packagesDir).filter((d) => existsSync(join(packagesDir, d, 'package.json')));
const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

function files(dir: string, ext: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => ext.test(f))
    .map((f) => join(dir, f));
}

/** Module specifiers of static and dynamic imports and re-exports. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) found.push(m[1] as string);
  return found;
}

/** Code without comments (good enough for our own sources: no `//` inside strings that matter here). */
const stripComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

describe('portable build', () => {
  it.each(packages)('@portcullis/%s: dist/ imports Node built-ins with the node: prefix', (name) => {
    const dist = join(packagesDir, name, 'dist');
    if (!existsSync(dist) && process.env.CI !== 'true') return; // run `pnpm build` first; CI always builds
    const built = files(dist, /\.js$/);
    expect(built.length).toBeGreaterThan(0);
    const bare = built.flatMap((f) =>
      specifiers(readFileSync(f, 'utf8'))
        .filter((s) => builtins.has(s) || builtins.has(s.split('/')[0] as string))
        .filter((s) => !s.startsWith('node:'))
        .map((s) => `${f.slice(ROOT.length + 1)}: ${s}`),
    );
    expect(bare).toEqual([]);
  });

  it.each(['core', 'rate-limit', 'tokens', 'hono'])(
    '@portcullis/%s: no bare process, Buffer only from node:buffer',
    (name) => {
      const problems: string[] = [];
      for (const f of files(join(packagesDir, name, 'src'), /\.ts$/)) {
        const code = stripComments(readFileSync(f, 'utf8'));
        const where = f.slice(ROOT.length + 1);
        if (/(?<![\w.$])process\s*(?:\.|\?\.|\[)/.test(code)) problems.push(`${where}: bare process`);
        if (
          /(?<![\w.$'"])Buffer\b/.test(code) &&
          !/import\s*\{[^}]*\bBuffer\b[^}]*\}\s*from\s*'node:buffer'/.test(code)
        )
          problems.push(`${where}: Buffer without import from node:buffer`);
        for (const s of specifiers(code))
          if (builtins.has(s) || builtins.has(s.split('/')[0] as string))
            problems.push(`${where}: import '${s}'`);
      }
      expect(problems).toEqual([]);
    },
  );
});
