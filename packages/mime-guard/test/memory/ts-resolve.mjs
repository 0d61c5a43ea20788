// Lets plain Node run the package's src/ (NodeNext `.js` specifiers naming `.ts` files) in a
// child process, so the memory test measures a process of its own, not the test runner.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (specifier.startsWith('.') && specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
    throw error;
  }
}`)}`,
);
