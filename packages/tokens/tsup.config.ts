import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

// jose is ESM-only: bundled into the CommonJS build so Jest 30 can require() the tokens.
export default defineConfig(packageBuild(['src/index.ts'], { cjsBundle: ['jose'] }));
