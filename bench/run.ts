/**
 * `pnpm bench` runs every bench/<name>.ts; `pnpm bench <name>` runs one. Each runs in its own
 * process so that one benchmark's heap and JIT state never colour another's figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const skip = new Set(['run.ts', 'lib.ts', 'dev-source.ts', 'preload.ts']);
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !skip.has(f) && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!existsSync(join(dir, `${name}.ts`))) {
    console.error(`no benchmark named "${name}"; known: ${all.join(', ') || '(none yet)'}`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== bench ${name}`);
  // preload.ts first: every import of our packages, static ones included, comes from src/.
  const args = ['--expose-gc', '--import', join(dir, 'preload.ts'), join(dir, `${name}.ts`)];
  const r = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    cwd: dir,
  });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
