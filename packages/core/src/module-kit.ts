import { ConfigError } from './errors.js';

/**
 * Where a module's instances carry the functions an adapter needs from that module (its "kit").
 * The adapters and `@portcullis/http` import no module code: a piece reaches its module through
 * the instance the app built with it (the token service, the validator, the guard...), so an app
 * installs, loads and bundles only the modules it uses. `Symbol.for` keeps the key one across
 * duplicated installs and across the ESM and CommonJS builds.
 */
export const MODULE_KIT: unique symbol = Symbol.for('portcullis.module-kit') as never;

/** An instance that carries its module's kit `K`. */
export interface ModuleKitCarrier<K> {
  readonly [MODULE_KIT]?: K | undefined;
}

/**
 * Makes `instance` carry `kit`, under a symbol: invisible to JSON and `Object.keys`, and kept by a
 * spread, so `{ ...service, verify }` or `{ ...LOGIN_HEALTH_DEFAULT_ZONES, rules }` still carries it. Returns
 * the instance.
 */
export function attachModuleKit<T extends object, K>(instance: T, kit: K): T & ModuleKitCarrier<K> {
  Object.defineProperty(instance, MODULE_KIT, { value: kit, enumerable: true, configurable: true });
  return instance as T & ModuleKitCarrier<K>;
}

/** The kit `instance` carries, or undefined (not an object, or not built by a Portcullis module). */
export function findModuleKit<K>(instance: unknown): K | undefined {
  if (instance === null || (typeof instance !== 'object' && typeof instance !== 'function')) return undefined;
  return (instance as ModuleKitCarrier<K>)[MODULE_KIT];
}

/** A synchronous `require` (Node, Bun), or undefined where there is none (Workers, browsers). */
type SyncRequire = (id: string) => unknown;

interface NodeProcess {
  getBuiltinModule?: ((id: string) => unknown) | undefined;
  cwd?: (() => string) | undefined;
  argv?: readonly string[] | undefined;
}

/**
 * `require` functions resolving from the app: its entry script, then its working directory. Reached
 * through `process.getBuiltinModule` (Node >= 22.3, Bun), never through a static import, so no
 * bundler follows it and no module is bundled for it.
 */
function appRequires(): SyncRequire[] {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return [];
  try {
    const mod = proc.getBuiltinModule('node:module') as
      | { createRequire?: (from: string) => SyncRequire }
      | undefined;
    if (typeof mod?.createRequire !== 'function') return [];
    const bases = [proc.argv?.[1], proc.cwd ? `${proc.cwd()}/package.json` : undefined];
    return bases
      .filter((b): b is string => typeof b === 'string' && b !== '')
      .map((b) => mod.createRequire?.(b) as SyncRequire);
  } catch {
    return [];
  }
}

/** How loading the module package by name went. */
type Loaded<K> = { kit: K } | { missing: true } | { unavailable: true } | { broken: string };

/**
 * The `moduleKit` export of `packageName`, loaded synchronously from the app (`require`, which
 * loads the package's CommonJS build). Only for instances that carry no kit: an object the app
 * wrote to a module's interface (a custom verifier, a rule table literal). The kits are stateless
 * functions, so a second copy of the module (the dual-package hazard) changes nothing.
 */
function loadModuleKit<K>(packageName: string): Loaded<K> {
  const requires = appRequires();
  if (requires.length === 0) return { unavailable: true };
  for (const load of requires) {
    let mod: { moduleKit?: K } | undefined;
    try {
      mod = load(packageName) as { moduleKit?: K };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const message = err instanceof Error ? err.message : String(err);
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return { broken: message };
      // Not found from this base: the package itself, or a file of it (a broken install).
      if (!message.includes(`'${packageName}'`)) return { broken: message.split('\n')[0] ?? message };
      continue;
    }
    if (mod?.moduleKit !== undefined) return { kit: mod.moduleKit };
    return { broken: 'it exports no moduleKit (a version older than this adapter?)' };
  }
  return { missing: true };
}

/**
 * The kit of the instance given for `option`; for an object the app wrote itself (no kit), the
 * kit of the installed module package, loaded by name on Node and Bun. Otherwise the ConfigError
 * `ERR_CONFIG_MODULE_MISSING` naming the package to install and `fix`, what to build the instance
 * with. Adapters call it when a piece is asked for, so a missing module is a start-up error, never
 * a raw `ERR_MODULE_NOT_FOUND` and never a failure on the first request.
 */
export function requireModuleKit<K>(instance: unknown, option: string, packageName: string, fix: string): K {
  const kit = findModuleKit<K>(instance);
  if (kit !== undefined) return kit;
  const loaded = loadModuleKit<K>(packageName);
  if ('kit' in loaded) return loaded.kit;
  const why =
    'missing' in loaded
      ? `is not installed (npm install ${packageName})`
      : 'broken' in loaded
        ? `is installed but could not be loaded (${loaded.broken})`
        : 'cannot be loaded by name on this runtime, and the instance given carries none of its functions';
  throw new ConfigError(`portcullis: ${option} needs the ${packageName} module, which ${why}; ${fix}`, {
    code: 'ERR_CONFIG_MODULE_MISSING',
  });
}
