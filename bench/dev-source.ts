/**
 * Benchmarks measure the code in the repository, not a build that may be stale: our packages
 * resolve through their `dev-source` export condition (src/*.ts, types stripped by Node), as the
 * tests do. `bench/run.ts` preloads `preload.ts` (`--import`), which covers static imports too; a
 * bench with static imports run directly (`node bench/x.ts`) measures dist/, and its report says
 * so. Benches that import our packages dynamically call {@link useDevSource} first.
 */
import { registerHooks } from 'node:module';

const FLAG = Symbol.for('portcullis.bench.devSource');

/** Registers the resolve hook once per thread; later imports of our packages come from src/. */
export function useDevSource(): void {
  const g = globalThis as { [FLAG]?: boolean };
  if (g[FLAG]) return;
  g[FLAG] = true;
  registerHooks({
    resolve(specifier, context, next) {
      const ctx = { ...context, conditions: ['dev-source', ...context.conditions] };
      try {
        return next(specifier, ctx);
      } catch (err) {
        // Sources import their siblings as `./x.js`; on disk they are `./x.ts`.
        if (specifier.startsWith('.') && specifier.endsWith('.js'))
          return next(`${specifier.slice(0, -3)}.ts`, ctx);
        throw err;
      }
    },
  });
}

/** Whether this thread resolves our packages from src/. */
export function usingDevSource(): boolean {
  return (globalThis as { [FLAG]?: boolean })[FLAG] === true;
}
