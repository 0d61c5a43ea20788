/**
 * Lets a child process run the workspace's TypeScript sources directly: package sources import
 * `./x.js` (NodeNext) while the file on disk is `./x.ts`. Used with `--conditions=dev-source`.
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (specifier.startsWith('.') && specifier.endsWith('.js'))
        return next(`${specifier.slice(0, -3)}.ts`, context);
      throw err;
    }
  },
});
