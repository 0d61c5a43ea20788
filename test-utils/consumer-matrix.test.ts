/**
 * Issue 15 (parts 2 and 3): what a user meets after `npm install`, tried from the packed tarballs
 * in fresh npm projects (fixtures in test-utils/consumers/):
 *
 * - install size: express + @portcullis/express + @portcullis/rate-limit within 1.5x of
 *   express + express-rate-limit (`du -sk node_modules`), and none of the other modules installed;
 * - plain `.cjs` require and ESM import of an adapter with only rate-limit installed, a piece of a
 *   missing module being a ConfigError naming the package;
 * - TypeScript ESM (`nodenext`) and CommonJS with `moduleResolution: node10` (NestJS's classic
 *   tsconfig, subpath imports), typechecked with TypeScript 5.8 and run;
 * - a Jest 30 test with no flag (its module runtime loads the CommonJS builds);
 * - `publint --strict` and `@arethetypeswrong/cli` on every tarball.
 *
 * npm installs with `--prefer-offline` (the cache answers after the first run) and bounded time.
 * Runs on built packages: CI always builds first; locally run `pnpm build` (or it is skipped).
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const fixtures = join(import.meta.dirname, 'consumers');
const packages = readdirSync(packagesDir)
  .filter((d) => existsSync(join(packagesDir, d, 'package.json')))
  .map((d) => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, d, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    return { dir: d, name: manifest.name, version: manifest.version };
  });
const built = packages.every((p) => existsSync(join(packagesDir, p.dir, 'dist', 'index.js')));
const enabled = process.env.CI === 'true' || built;

/**
 * A user's environment: this Node first on PATH (npm and every tool run on the Node the suite runs
 * on), and nothing pnpm sets for the suite: its bin shims' NODE_PATH reaches the workspace's
 * hoisted packages, so a consumer would find modules it never installed.
 */
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== 'NODE_PATH' && !/^(npm|pnpm)_/i.test(k)),
  ),
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
  NODE_OPTIONS: '',
};
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts'];

/** Runs a command; on failure the error carries its output. */
function sh(command: string, args: readonly string[], cwd: string, timeoutMs = 60_000): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

const node = (args: readonly string[], cwd: string, timeoutMs = 60_000) =>
  sh(process.execPath, args, cwd, timeoutMs);

/** Runs Node on `args` without blocking; resolves to the failure's output, or undefined. */
function nodeAsync(args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, env, encoding: 'utf8', timeout: timeoutMs },
      (err, stdout, stderr) => resolve(err ? `${err.message}\n${stdout}\n${stderr}` : undefined),
    );
  });
}

describe.runIf(enabled)('consumer matrix (packed tarballs in fresh npm projects)', () => {
  let work = '';
  const tarball = new Map<string, string>();
  const tgz = (dir: string) => tarball.get(dir) ?? '';

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'portcullis-consumers-'));
    const out = join(work, 'tarballs');
    mkdirSync(out);
    for (const p of packages) {
      sh('pnpm', ['pack', '--pack-destination', out], join(packagesDir, p.dir), 120_000);
      const file = join(out, `${p.name.replace('@', '').replace('/', '-')}-${p.version}.tgz`);
      expect(existsSync(file), file).toBe(true);
      tarball.set(p.dir, file);
    }
  }, 300_000);
  afterAll(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  }, 120_000);

  /** A fresh npm project, with a fixture directory's files copied in. */
  function project(name: string, fixture?: string): string {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    if (fixture) cpSync(join(fixtures, fixture), dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true }));
    return dir;
  }
  const install = (dir: string, specs: readonly string[]) =>
    sh('npm', ['install', ...NPM_FLAGS, ...specs], dir, 300_000);
  const kb = (dir: string) => Number(sh('du', ['-sk', dir], work).split(/\s/)[0]);

  it('an Express app that only rate-limits installs within 1.5x express-rate-limit, loads, and names the modules it lacks', () => {
    const baseline = project('baseline');
    install(baseline, ['express@5', 'express-rate-limit@8']);
    const lean = project('lean', 'lean');
    install(lean, ['express@5', tgz('core'), tgz('http'), tgz('express'), tgz('rate-limit')]);
    const baseKb = kb(join(baseline, 'node_modules'));
    const leanKb = kb(join(lean, 'node_modules'));
    console.log(
      `install size (du -sk node_modules): express + express-rate-limit ${baseKb} KB; ` +
        `express + @portcullis/express + @portcullis/rate-limit ${leanKb} KB = ${(leanKb / baseKb).toFixed(2)}x`,
    );
    for (const absent of [
      '@portcullis/tokens',
      '@portcullis/password',
      '@portcullis/metrics',
      '@portcullis/mime-guard',
      '@portcullis/audit',
      'jose',
      'prom-client',
      '@zxcvbn-ts',
      'nodemailer',
      'file-type',
      'busboy',
    ])
      expect(existsSync(join(lean, 'node_modules', absent)), absent).toBe(false);
    expect(leanKb).toBeLessThanOrEqual(1.5 * baseKb);

    const missing = (pkg: string) => new RegExp(`^ERR_CONFIG_MODULE_MISSING: .*npm install ${pkg}`);
    const cjs = JSON.parse(node(['app.cjs'], lean)) as Record<string, unknown>;
    expect(cjs.status).toBe(200);
    expect(cjs.policy).toContain('"health"');
    expect(cjs.passwordPiece).toMatch(missing('@portcullis/password'));
    expect(cjs.uploadsPiece).toMatch(missing('@portcullis/mime-guard'));
    expect(cjs.tokensPiece).toMatch(missing('@portcullis/tokens'));
    expect(cjs.ownRuleTable).toBe('no error');
    const esm = JSON.parse(node(['app.mjs'], lean)) as Record<string, unknown>;
    expect(esm.status).toBe(200);
    expect(esm.policy).toContain('"health"');
    expect(esm.passwordPiece).toMatch(missing('@portcullis/password'));
  }, 600_000);

  it('TypeScript 5.8 ESM (nodenext) and CommonJS (node10, subpaths) typecheck and run; Jest 30 requires every module with no flag', () => {
    const dir = project('typed', 'typed');
    const modules = [
      'core',
      'http',
      'express',
      'rate-limit',
      'tokens',
      'metrics',
      'password',
      'mime-guard',
      'audit',
    ];
    install(dir, [
      'express@5',
      '@types/express@5',
      '@types/node@22',
      'typescript@~5.8.3',
      'jest@30',
      ...modules.map(tgz),
    ]);
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');

    node([tsc, '-p', 'esm'], dir, 120_000);
    expect(JSON.parse(node(['esm/dist/app.js'], dir))).toEqual({
      login: 200,
      me: { user: 'alice' },
      weak: 422,
    });

    node([tsc, '-p', 'cjs'], dir, 120_000);
    expect(JSON.parse(node(['cjs/dist/app.js'], dir))).toEqual({ me: { user: 'bob' }, metrics: 200 });

    const jest = node(
      [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--roots', '<rootDir>/__tests__'],
      dir,
      180_000,
    );
    expect(jest).not.toContain('experimental-vm-modules');
  }, 900_000);

  it('publint --strict and @arethetypeswrong/cli find nothing in any tarball', async () => {
    const publint = join(root, 'node_modules', 'publint', 'src', 'cli.js');
    const tools = project('tools');
    install(tools, ['@arethetypeswrong/cli@0.18']);
    const attw = join(tools, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
    // Both exit non-zero on any problem (attw's default profile: node10, node16 CJS and ESM, bundler).
    const checks = packages.flatMap((p) => [
      { what: `publint ${p.name}`, args: [publint, 'run', tgz(p.dir), '--strict'] },
      {
        what: `attw ${p.name}`,
        // @portcullis/testing is ESM only (Vitest refuses require()): a CommonJS importer gets ESM.
        args: [
          attw,
          tgz(p.dir),
          '--format',
          'ascii',
          ...(p.dir === 'testing' ? ['--ignore-rules', 'cjs-resolves-to-esm'] : []),
        ],
      },
    ]);
    const failures: string[] = [];
    // Three at a time: bounded time without starving the rest of the suite.
    for (let i = 0; i < checks.length; i += 3) {
      const batch = checks.slice(i, i + 3);
      const results = await Promise.all(batch.map((c) => nodeAsync(c.args, work)));
      results.forEach((failure, j) => {
        if (failure !== undefined) failures.push(`${batch[j]?.what}: ${failure}`);
      });
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
