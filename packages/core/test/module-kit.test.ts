import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  attachModuleKit,
  ConfigError,
  findModuleKit,
  isPortcullisError,
  MODULE_KIT,
  requireModuleKit,
} from '../src/index.js';

const kit = Object.freeze({ answer: () => 42 });

/** The ConfigError requireModuleKit threw, for assertions on its code and detail. */
function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('module kits (what an instance carries of its module)', () => {
  const cwd = process.cwd();
  const dirs: string[] = [];
  afterEach(() => {
    process.chdir(cwd);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('an instance carries its kit under a shared symbol, kept by a spread, invisible to JSON and keys', () => {
    const service = attachModuleKit({ verify: () => 'ok' }, kit);
    expect(service[MODULE_KIT]).toBe(kit);
    expect(MODULE_KIT).toBe(Symbol.for('portcullis.module-kit'));
    expect(findModuleKit({ ...service, verify: () => 'other' })).toBe(kit);
    expect(Object.keys(service)).toEqual(['verify']);
    expect(JSON.stringify(attachModuleKit({ a: 1 }, kit))).toBe('{"a":1}');
    expect(findModuleKit(undefined)).toBeUndefined();
    expect(findModuleKit('text')).toBeUndefined();
    expect(requireModuleKit(service, 'tokens', '@portcullis/tokens', 'build it')).toBe(kit);
  });

  it('an object without a kit whose package is not installed is ERR_CONFIG_MODULE_MISSING naming the package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-kit-'));
    dirs.push(dir);
    process.chdir(dir);
    const err = thrown(() =>
      requireModuleKit(
        { verify: () => 'ok' },
        'tokens',
        '@portcullis/not-installed',
        'build it with createX',
      ),
    );
    expect(isPortcullisError(err)).toBe(true);
    expect(err.code).toBe('ERR_CONFIG_MODULE_MISSING');
    expect(err.status).toBe(500);
    expect(err.detail).toContain('npm install @portcullis/not-installed');
    expect(err.detail).toContain('tokens');
    expect(err.detail).toContain('build it with createX');
  });

  it("an object without a kit gets the installed package's kit, loaded by name from the app", () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-kit-'));
    dirs.push(dir);
    const pkg = join(dir, 'node_modules', '@portcullis', 'fake-module');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@portcullis/fake-module', main: 'index.js' }),
    );
    writeFileSync(join(pkg, 'index.js'), 'exports.moduleKit = { answer: () => 7 };');
    process.chdir(dir);
    const loaded = requireModuleKit<typeof kit>({}, 'fake', '@portcullis/fake-module', 'build it');
    expect(loaded.answer()).toBe(7);
  });

  it('a package that is installed but fails to load is not reported as missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-kit-'));
    dirs.push(dir);
    const pkg = join(dir, 'node_modules', '@portcullis', 'broken-module');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@portcullis/broken-module', main: 'gone.js' }),
    );
    process.chdir(dir);
    const err = thrown(() => requireModuleKit({}, 'broken', '@portcullis/broken-module', 'build it'));
    expect(err.code).toBe('ERR_CONFIG_MODULE_MISSING');
    expect(err.detail).toContain('is installed but could not be loaded');
    expect(err.detail).not.toContain('npm install');
  });

  it('on a runtime without a synchronous require (Workers, browsers) the error says the instance carries no kit', () => {
    const proc = process as { getBuiltinModule?: unknown };
    const original = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined;
    try {
      const err = thrown(() =>
        requireModuleKit({}, 'audit', '@portcullis/audit', 'build it with createAuditLog'),
      );
      expect(err.code).toBe('ERR_CONFIG_MODULE_MISSING');
      expect(err.detail).toContain('@portcullis/audit');
      expect(err.detail).toContain('cannot be loaded by name on this runtime');
    } finally {
      proc.getBuiltinModule = original;
    }
  });
});
