import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

export default defineConfig(
  packageBuild([
    'src/index.ts',
    'src/rate-limit.ts',
    'src/tokens.ts',
    'src/password.ts',
    'src/uploads.ts',
    'src/audit.ts',
    'src/metrics.ts',
  ]),
);
