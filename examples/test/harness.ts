/**
 * Starts one flavour of the demo in-process on a loopback port, over a manual clock, a real
 * SMTP server (smtp-server) and a fresh data folder, as the end-to-end suite needs it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, type ManualClock } from '@portcullis/core';
import { type ReceivedMail, startSmtp } from '../../packages/password/test/smtp.ts';
import { type Framework, readConfig } from '../src/config.ts';
import { createDemoRoutes } from '../src/routes.ts';
import { createDemoSecurity, type DemoSecurity } from '../src/security.ts';
import { startDemoServer } from '../src/serve.ts';

/** A running demo with its test doubles. */
export interface DemoHarness {
  readonly framework: Framework;
  readonly url: string;
  readonly clock: ManualClock;
  readonly sec: DemoSecurity;
  /** Slow-lane delays the login guard asked for (recorded, never slept). */
  readonly delays: number[];
  nextMail(): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export const METRICS_TOKEN = 'metrics-token-for-the-e2e-suite';
/** Small, so the 413 case needs only a small body. */
export const MAX_UPLOAD_BYTES = 64 * 1024;

/** Starts `framework`'s demo with the demo user created; `env` overrides the test configuration. */
export async function startHarness(
  framework: Framework,
  env: Record<string, string> = {},
): Promise<DemoHarness> {
  const dir = await mkdtemp(join(tmpdir(), `portcullis-e2e-${framework}-`));
  const smtp = await startSmtp();
  const config = readConfig({
    FRAMEWORK: framework,
    PORT: '0',
    DATA_DIR: dir,
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    METRICS_TOKEN,
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    PUBLIC_URL: 'http://demo.test',
    ...env,
  });
  const clock = createManualClock(Date.now());
  const delays: number[] = [];
  const sec = await createDemoSecurity(config, {
    clock,
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  await createDemoRoutes(sec).ensureDemoUser();
  const server = await startDemoServer(framework, sec, 0);
  return {
    framework,
    url: server.url,
    clock,
    sec,
    delays,
    nextMail: () => smtp.nextMail(),
    async close() {
      await server.close();
      await sec.close();
      await smtp.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
