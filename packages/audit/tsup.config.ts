import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

// jose is ESM-only: bundled into the CommonJS build so Jest 30 can require() the audit log.
export default defineConfig(packageBuild(['src/index.ts', 'src/cli.ts'], { cjsBundle: ['jose'] }));
