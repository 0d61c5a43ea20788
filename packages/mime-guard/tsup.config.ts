import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

// file-type and its chain are ESM-only: bundled into the CommonJS build so Jest 30 can require()
// the guard (their CommonJS dependencies ride along: a strict install would not resolve them).
export default defineConfig(
  packageBuild(['src/index.ts'], {
    cjsBundle: [
      /^file-type(\/|$)/,
      /^strtok3(\/|$)/,
      /^token-types(\/|$)/,
      /^@tokenizer\//,
      /^uint8array-extras(\/|$)/,
      /^@borewit\//,
      /^ieee754$/,
      /^debug(\/|$)/,
      /^ms$/,
    ],
  }),
);
