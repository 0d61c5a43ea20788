/**
 * Issue 15: a Workers bundle of a Hono app using only rate limiting and tokens, through the
 * one-call `portcullis()`, must not carry the modules it does not use (prom-client's dynamic
 * `require('util')` broke it). Bundled by esbuild (the bundler under wrangler, in the tree through
 * tsup) for the worker platform from the packages' sources (`dev-source`), Node built-ins left to
 * the runtime (`nodejs_compat`).
 */
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

interface EsbuildResult {
  outputFiles: { contents: Uint8Array }[];
  metafile: { inputs: Record<string, unknown> };
}
interface Esbuild {
  build(options: Record<string, unknown>): Promise<EsbuildResult>;
}

const root = join(import.meta.dirname, '..', '..', '..');
const esbuild = createRequire(createRequire(join(root, 'package.json')).resolve('tsup'))(
  'esbuild',
) as Esbuild;

const APP = `
import { createSecurityContext } from '@portcullis/core';
import { authClaims, portcullis, readJsonBody, sendTokenPair } from '@portcullis/hono';
import { LOGIN_HEALTH_DEFAULT_ZONES } from '@portcullis/rate-limit';
import { createKeySet, createTokenService } from '@portcullis/tokens';
import { Hono } from 'hono';

const context = createSecurityContext({ clientAddressHeader: 'cf-connecting-ip' });
const keys = await createKeySet({ keys: [{ kid: 'k1', alg: 'HS256', secret: new Uint8Array(32).fill(7) }], currentKid: 'k1' });
const tokens = createTokenService({ keys, issuer: 'https://api.example.com', audience: 'api', context });
const sec = portcullis({ context, rateLimit: LOGIN_HEALTH_DEFAULT_ZONES, tokens });
const app = new Hono();
app.use(sec);
app.onError(sec.errorHandler());
app.post('/auth/login', async (c) => {
  const { username } = await readJsonBody(c);
  return sendTokenPair(c, await tokens.issue({ subject: username }));
});
app.get('/me', sec.requireAuth(), (c) => c.json({ user: authClaims(c)?.sub }));
export default app;
`;

/** Packages a rate limit + tokens app must not bundle: the other modules' heavy dependencies. */
const ABSENT = ['prom-client', '@zxcvbn-ts', 'file-type', 'busboy', 'nodemailer'];
/** Portcullis modules the app does not use. */
const UNUSED_MODULES = ['metrics', 'password', 'mime-guard', 'audit'];

describe('Workers bundle of the Hono one-call entry (rate limit + tokens)', () => {
  it('carries neither the unused modules nor their dependencies', async () => {
    const result = await esbuild.build({
      stdin: {
        contents: APP,
        resolveDir: join(root, 'packages', 'hono'),
        loader: 'ts',
        sourcefile: 'worker.ts',
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['dev-source', 'workerd', 'worker', 'browser'],
      external: ['node:*', ...builtinModules],
      minify: true,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    for (const name of ABSENT)
      expect(
        inputs.filter((i) => i.includes(`node_modules/${name}`)),
        name,
      ).toEqual([]);
    for (const module of UNUSED_MODULES)
      expect(
        inputs.filter((i) => i.includes(`packages/${module}/`)),
        module,
      ).toEqual([]);
    // What is there: the two modules used, core, the adapter.
    for (const used of ['core', 'http', 'hono', 'rate-limit', 'tokens'])
      expect(
        inputs.some((i) => i.includes(`packages/${used}/src/`)),
        used,
      ).toBe(true);
    const code = result.outputFiles[0]?.contents ?? new Uint8Array();
    const raw = code.byteLength;
    const gzip = gzipSync(code).byteLength;
    console.log(
      `hono worker bundle (rate limit + tokens, minified): ${(raw / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip`,
    );
    expect(raw).toBeGreaterThan(0);
  });
});
