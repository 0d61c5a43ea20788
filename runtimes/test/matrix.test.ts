/**
 * The runtime matrix: the part of the Hono adapter's seams table that applies everywhere (limits,
 * headers, tokens, problem bodies), through `@portcullis/hono/rate-limit` and
 * `@portcullis/hono/tokens` with memory stores, on Node, Bun, Deno (without `-A`) and workerd.
 * The app (runtimes/app/) imports the packages' dist/, as a user's app does: `pnpm build` first
 * (`pnpm test` builds). Clients are told apart by their socket (127.0.0.2 vs 127.0.0.3 on
 * loopback) where the runtime has one, by `cf-connecting-ip` on workerd.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bunCommand,
  bundleWorker,
  bunTarget,
  denoCommand,
  denoTarget,
  type Exchange,
  nodeTarget,
  ROOT,
  type RunningRuntime,
  type RuntimeTarget,
  runToExit,
  send,
  type WorkerBundle,
  workerdTarget,
} from '../harness.ts';

const built = existsSync(join(ROOT, 'packages/hono/dist/rate-limit.js'));
// Run `pnpm build` first; CI always builds (`pnpm test` does), so there a missing build fails.
const maybe = built || process.env.CI === 'true' ? describe : describe.skip;

const denoDir = mkdtempSync(join(tmpdir(), 'portcullis-deno-'));
let bundle: WorkerBundle | undefined;
let oneCallBundle: WorkerBundle | undefined;
const workerBundle = () => {
  if (!bundle) throw new Error('the Worker bundle was not built');
  return bundle;
};
const oneCallWorkerBundle = () => {
  if (!oneCallBundle) throw new Error('the one-call Worker bundle was not built');
  return oneCallBundle;
};

/**
 * workerd at two compatibility dates: 2025-09-01 has `process` (nodejs_compat) without
 * `process.emitWarning`, as Workers pinned to an older date still do; 2026-11-01 is current.
 */
const TARGETS: RuntimeTarget[] = [
  nodeTarget('subpath'),
  bunTarget('subpath'),
  denoTarget('subpath', denoDir),
  workerdTarget(workerBundle, '2025-09-01'),
  workerdTarget(workerBundle, '2026-11-01'),
  // The README's shape, one portcullis() call with remoteAddress from getConnInfo.
  nodeTarget('one-call'),
  bunTarget('one-call'),
  denoTarget('one-call', denoDir),
  workerdTarget(oneCallWorkerBundle, '2026-11-01', 'one-call'),
];

beforeAll(async () => {
  if (built || process.env.CI === 'true') {
    bundle = await bundleWorker('app/worker.ts');
    oneCallBundle = await bundleWorker('app/worker-one-call.ts');
  }
});
afterAll(() => rmSync(denoDir, { recursive: true, force: true }));

/** Two clients' ways of being themselves: a source address, or the platform's header. */
function clients(target: RuntimeTarget, row: number) {
  const as = (n: number) =>
    target.socket
      ? { localAddress: `127.0.0.${2 * row + n}`, headers: {} as Record<string, string> }
      : { headers: { 'cf-connecting-ip': `198.51.100.${2 * row + n}` } as Record<string, string> };
  return { a: as(0), b: as(1) };
}

const json = (r: Exchange) => JSON.parse(r.body) as Record<string, unknown>;

for (const target of TARGETS) {
  maybe(`runtime matrix: ${target.name}`, () => {
    let app: RunningRuntime;
    beforeAll(async () => {
      app = await target.start();
    });
    afterAll(async () => {
      await app?.close();
    });
    const get = (
      path: string,
      who: { localAddress?: string; headers: Record<string, string> },
      headers = {},
    ) => send(app.url, { path, localAddress: who.localAddress, headers: { ...who.headers, ...headers } });
    const post = (
      path: string,
      who: { localAddress?: string; headers: Record<string, string> },
      body: string,
      headers: Record<string, string> = {},
    ) =>
      send(app.url, {
        path,
        method: 'POST',
        body,
        localAddress: who.localAddress,
        headers: { 'content-type': 'application/json', ...who.headers, ...headers },
      });

    it(`is served by ${target.runtime}`, async () => {
      const r = await get('/runtime', clients(target, 1).a);
      expect(r.status, app.output()).toBe(200);
      expect(json(r)).toEqual({ runtime: target.runtime });
    });

    it("prints the memory stores' start-up warning in the runtime's log", async () => {
      // The tokens memory store warns when it is created; give the runtime a moment to flush.
      const deadline = Date.now() + 5_000;
      while (!app.output().includes('lost on restart') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(app.output()).toMatch(/PortcullisWarning: the memory revocation store keeps revocations/);
    });

    it('gives each client its own bucket, with RateLimit headers and a 429 problem past the limit', async () => {
      const { a, b } = clients(target, 2);
      const statuses: number[] = [];
      const answers: Exchange[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await get('/open', a);
        statuses.push(r.status);
        answers.push(r);
      }
      expect(statuses, app.output()).toEqual([200, 200, 200, 429]);
      expect(answers[0]?.headers['ratelimit-policy']).toBe('"open";q=3;w=60');
      expect(answers[0]?.headers.ratelimit).toMatch(/^"open";r=2;t=\d+$/);
      const refused = answers[3] as Exchange;
      expect(refused.headers['content-type']).toBe('application/problem+json');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(json(refused)).toMatchObject({ status: 429, code: 'ERR_RATELIMIT_EXCEEDED', instance: '/open' });
      // Another client is not refused: the runtime told the two apart.
      const other = await get('/open', b);
      expect(other.status).toBe(200);
      expect(other.headers.ratelimit).toMatch(/^"open";r=2;/);
    });

    it('a forged X-Forwarded-For buys no fresh bucket (no proxy is trusted)', async () => {
      const { a } = clients(target, 3);
      for (let i = 0; i < 3; i++) expect((await get('/open', a)).status).toBe(200);
      const forged = await get('/open', a, { 'x-forwarded-for': '203.0.113.77' });
      expect(forged.status).toBe(429);
    });

    it('issues, verifies, rotates and revokes tokens on the memory stores', async () => {
      const { a } = clients(target, 4);
      const login = await post('/login', a, '{"user":"ann"}');
      expect(login.status, app.output()).toBe(200);
      expect(login.headers['cache-control']).toBe('no-store');
      const pair = json(login) as { access_token: string; refresh_token: string };
      const bearer = { authorization: `Bearer ${pair.access_token}` };
      const me = await get('/me', a, bearer);
      expect(me.status).toBe(200);
      expect(json(me)).toEqual({ sub: 'ann' });

      const rotated = await post('/refresh', a, JSON.stringify({ refresh_token: pair.refresh_token }));
      expect(rotated.status).toBe(200);
      const next = json(rotated) as { access_token: string; refresh_token: string };
      expect(next.refresh_token).not.toBe(pair.refresh_token);

      const logout = await post('/logout', a, JSON.stringify({ refresh_token: next.refresh_token }), bearer);
      expect(logout.status).toBe(200);
      const after = await get('/me', a, bearer);
      expect(after.status).toBe(401);
      expect(after.headers['content-type']).toBe('application/problem+json');
      expect(json(after)).toMatchObject({ code: 'ERR_TOKEN_REVOKED', status: 401 });
      expect((await post('/refresh', a, JSON.stringify({ refresh_token: next.refresh_token }))).status).toBe(
        401,
      );
    });

    it('answers a missing or forged token with a 401 problem and a Bearer challenge', async () => {
      const { a } = clients(target, 5);
      const missing = await get('/me', a);
      expect(missing.status).toBe(401);
      expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(json(missing)).toMatchObject({ code: 'ERR_TOKEN_MISSING' });
      // Ann's claims under Bob's signature: a signature failure, told as the generic invalid token.
      const ann = (json(await post('/login', a, '{"user":"ann"}')) as { access_token: string }).access_token;
      const bob = (json(await post('/login', a, '{"user":"bob"}')) as { access_token: string }).access_token;
      const spliced = `${ann.split('.').slice(0, 2).join('.')}.${bob.split('.')[2]}`;
      const forged = await get('/me', a, { authorization: `Bearer ${spliced}` });
      expect(forged.status).toBe(401);
      expect(forged.headers['www-authenticate']).toMatch(/error="invalid_token"/);
      expect(json(forged)).toMatchObject({ code: 'ERR_TOKEN_INVALID' });
    });

    it('answers bad input and unexpected errors with problem bodies that leak nothing', async () => {
      const { a } = clients(target, 6);
      const bad = await post('/refresh', a, '{"refresh_token":');
      expect(bad.status).toBe(400);
      expect(json(bad)).toMatchObject({ code: 'ERR_INPUT_INVALID' });
      const boom = await get('/boom', a);
      expect(boom.status).toBe(500);
      expect(boom.body).not.toContain('db down');
      expect(json(boom)).toMatchObject({ code: 'ERR_INTERNAL', status: 500 });
    });
  });
}

maybe('socketless runtimes without a client-address source', () => {
  it.each([
    ['bun', () => bunCommand('one-call', ['--no-peer'])],
    [
      'deno',
      () => {
        const d = denoCommand('one-call', denoDir, ['--no-peer']);
        return [d.command, d.args, d.env] as const;
      },
    ],
  ] as const)(
    '%s: portcullis() without remoteAddress refuses to start, naming the fix',
    async (_name, command) => {
      const [bin, args, env] = command();
      const { code, output } = await runToExit(bin, args, env);
      expect(code).not.toBe(0);
      expect(output).toContain('every client would share one rate-limit bucket');
      expect(output).toContain('getConnInfo');
    },
  );
});
