/**
 * Release hygiene, checked on every run: what a user sees on the registry's page and in the
 * repository (package metadata, README install lines and links, user-facing wording, error codes
 * documented, the security policy and the changelog tooling).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const HOME = 'https://github.com/portcullis/portcullis';

const packageDirs = readdirSync(packagesDir).filter((d) => existsSync(join(packagesDir, d, 'package.json')));
const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');

/** The package a module specifier names (`@scope/name/sub` → `@scope/name`), or undefined for builtins and relative paths. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/'))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Fenced code blocks of a Markdown file, with their info string. */
function codeBlocks(markdown: string): { lang: string; code: string }[] {
  return [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```/gm)].map((m) => ({
    lang: m[1]!.trim(),
    code: m[2]!,
  }));
}

/** Every package an install command of the README adds (`pnpm add`, `npm install`, `yarn add`). */
function installedPackages(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const { code } of codeBlocks(markdown))
    for (const line of code.split('\n')) {
      const m = /^\s*(?:pnpm add|npm (?:install|i)|yarn add|bun add)\s+(.*)$/.exec(line);
      if (!m) continue;
      for (const word of m[1]!.split('#')[0]!.trim().split(/\s+/))
        if (word !== '' && !word.startsWith('-'))
          names.add(packageOf(word.replace(/(?!^)@[^/]*$/, '')) ?? word);
    }
  return names;
}

/** Every package the README's TypeScript or JavaScript snippets import. */
function importedPackages(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const { lang, code } of codeBlocks(markdown)) {
    if (!/^(ts|typescript|js|javascript|mjs|tsx)\b/.test(lang)) continue;
    for (const m of code.matchAll(/(?:from|import)\s+['"]([^'"]+)['"]/g)) {
      const name = packageOf(m[1]!);
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}

describe('package metadata', () => {
  it.each(packageDirs)('%s has repository, homepage and bugs pointing at the project', (dir) => {
    const manifest = JSON.parse(read('packages', dir, 'package.json')) as Record<string, unknown>;
    expect(manifest.repository).toEqual({
      type: 'git',
      url: `git+${HOME}.git`,
      directory: `packages/${dir}`,
    });
    expect(manifest.homepage).toBe(`${HOME}/tree/main/packages/${dir}#readme`);
    expect(manifest.bugs).toEqual({ url: `${HOME}/issues` });
  });
});

describe('package READMEs (what the registry page shows)', () => {
  it.each(packageDirs)('%s: no relative links (they break on the registry page)', (dir) => {
    const readme = read('packages', dir, 'README.md');
    const links = [...readme.matchAll(/\]\(([^)\s]+)/g), ...readme.matchAll(/(?:href|src)="([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    const relative = links.filter((l) => !/^(https?:|mailto:|#)/.test(l));
    expect(relative).toEqual([]);
  });

  it.each(packageDirs)('%s: the install line covers every package its snippets import', (dir) => {
    const readme = read('packages', dir, 'README.md');
    const own = (JSON.parse(read('packages', dir, 'package.json')) as { name: string }).name;
    const installed = installedPackages(readme);
    const imported = importedPackages(readme);
    expect(installed.has(own), `install line of ${own} names ${own}`).toBe(true);
    expect([...imported].filter((name) => !installed.has(name))).toEqual([]);
  });

  it('parses install lines and imports the way a reader does', () => {
    const md = [
      '```sh',
      'pnpm add @portcullis/core express@5 # comment',
      '```',
      '```ts',
      "import { a } from '@portcullis/express/audit';",
      "import b from 'node:fs';",
      "import type { C } from 'jose';",
      '```',
    ].join('\n');
    expect([...installedPackages(md)]).toEqual(['@portcullis/core', 'express']);
    expect([...importedPackages(md)]).toEqual(['@portcullis/express', 'jose']);
  });
});

describe('user-facing wording', () => {
  const userFacing = [
    'README.md',
    ...readdirSync(join(root, 'docs'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f)),
    ...packageDirs.map((d) => join('packages', d, 'README.md')),
    ...packageDirs.flatMap((d) =>
      readdirSync(join(packagesDir, d, 'src'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join('packages', d, 'src', f)),
    ),
  ];

  it.each(userFacing)('%s has no internal planning words (backlog items, issue numbers)', (file) => {
    const text = read(file);
    const internal = [
      ...text.matchAll(
        /\bbacklog(?:'s)? (?:items? )?s\d+\b|\(s\d+(?: and s\d+)?\)|\bissue \d+\b|\bthe backlog's\b|\bthe seed's\b/gi,
      ),
    ].map((m) => m[0]);
    expect(internal).toEqual([]);
  });

  it('the rate-limit preset and the password preset are named after what they are', async () => {
    const rateLimit = await import('../packages/rate-limit/src/index.js');
    const password = await import('../packages/password/src/index.js');
    expect(rateLimit.LOGIN_HEALTH_DEFAULT_ZONES.rules.map((r) => r.id)).toEqual(['login', 'health']);
    expect(password.COMPOSITION_POLICY.name).toBe('composition');
  });
});

describe('error codes', () => {
  it('every ERR_ code thrown or declared in a package is listed in docs/errors.md', () => {
    const documented = read('docs', 'errors.md');
    const codes = new Set<string>();
    for (const dir of packageDirs)
      for (const f of readdirSync(join(packagesDir, dir, 'src'), { recursive: true }).map(String))
        if (f.endsWith('.ts'))
          // jose's own codes (ERR_JWKS_*, ERR_JOSE_*) and Node's module-loading codes are read,
          // never raised by Portcullis.
          for (const m of read('packages', dir, 'src', f).matchAll(/'(ERR_[A-Z0-9_]*[A-Z0-9])'/g))
            if (
              !/^ERR_(JWKS|JOSE)_|^ERR_(MODULE_NOT_FOUND|REQUIRE_ESM|PACKAGE_PATH_NOT_EXPORTED)$/.test(m[1]!)
            )
              codes.add(m[1]!);
    expect(codes.size).toBeGreaterThan(20);
    expect([...codes].filter((code) => !documented.includes(`\`${code}\``)).sort()).toEqual([]);
  });
});

describe('security policy, changelog and versioning', () => {
  it('SECURITY.md says how to report, which versions are supported and what counts', () => {
    const policy = read('SECURITY.md');
    expect(policy).toMatch(/## Reporting a vulnerability/);
    expect(policy).toMatch(/## Supported versions/);
    expect(policy).toMatch(/## What counts as a vulnerability/);
    expect(policy).toContain(`${HOME}/security/advisories/new`);
  });

  it('changesets is configured for every published package, with a changelog and a policy', () => {
    const config = JSON.parse(read('.changeset', 'config.json')) as { fixed?: string[][]; ignore?: string[] };
    const manifest = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };
    expect(manifest.devDependencies['@changesets/cli']).toBeDefined();
    const names = packageDirs.map(
      (d) => (JSON.parse(read('packages', d, 'package.json')) as { name: string }).name,
    );
    expect(config.fixed?.[0]?.slice().sort()).toEqual(['@portcullis/*']);
    expect(names.every((n) => n.startsWith('@portcullis/'))).toBe(true);
    const pending = readdirSync(join(root, '.changeset')).filter(
      (f) => f.endsWith('.md') && f !== 'README.md',
    );
    expect(pending.length).toBeGreaterThan(0);
    expect(read('CHANGELOG.md')).toMatch(/^# Changelog/);
    expect(read('docs', 'versioning.md')).toMatch(/breaking change/i);
  });
});
