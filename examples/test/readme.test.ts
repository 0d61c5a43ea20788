/**
 * The README's three twenty-line apps (examples/readme/*.ts, copied verbatim into README.md and
 * the adapter READMEs) run as a user would run them, against the built packages, and answer as
 * the README says: per-client buckets behind the loopback proxy, /metrics for loopback only,
 * a 429 counted in the security events, a malformed body answered 400.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../../test-utils/ports.ts';

for (const flavour of ['fastify', 'express', 'hono'] as const) {
  describe(`README app (${flavour})`, () => {
    let child: ChildProcess | undefined;
    afterAll(() => {
      child?.kill('SIGTERM');
    });

    it('works as the README says', async () => {
      const port = await freeLoopbackPort();
      child = spawn(process.execPath, [`readme/${flavour}.ts`], {
        cwd: new URL('..', import.meta.url).pathname,
        env: { ...process.env, PORT: String(port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
      });
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`${base}/health`).then(
            () => true,
            () => false,
          )
        )
          break;
        await sleep(100);
      }
      const login = (client: string, body = '{"username":"ann"}') =>
        fetch(`${base}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
          body,
        });
      const pair = (await (await login('198.51.100.9')).json()) as { access_token: string };
      const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${pair.access_token}` } });
      expect(await me.json(), stderr).toEqual({ user: 'ann' });
      expect((await fetch(`${base}/me`)).status).toBe(401);
      const a: number[] = [];
      for (let i = 0; i < 6; i++) a.push((await login('198.51.100.1')).status);
      expect(a).toEqual([200, 200, 200, 200, 200, 429]);
      expect((await login('198.51.100.2')).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(
        403,
      );
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toMatch(/portcullis_security_events_total\{event="ratelimit_exceeded"\} [1-9]/);
      const bad = await login('198.51.100.3', '{"username":');
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'ERR_INPUT_INVALID' });
    }, 30_000);
  });
}
