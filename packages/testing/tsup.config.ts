import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

// ESM only: the suites run under Vitest, which refuses to be require()d.
export default defineConfig(packageBuild(['src/index.ts'], { esmOnly: true }));
