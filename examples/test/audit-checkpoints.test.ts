/**
 * The demo's audit log signs checkpoints by default: with every writer's checkpoints,
 * the files of two writers verify together, and a cut tail or an emptied writer file, which
 * verify `ok` without checkpoints, are detected.
 */

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runCli, type VerifyOptions, verifyFiles } from '@portcullis/audit';
import { createManualClock } from '@portcullis/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoSecurity, type DemoSecurity } from '../src/security.ts';
import { type DemoHarness, startHarness } from './harness.ts';

describe('the demo audit log, with checkpoints on by default', () => {
  let h: DemoHarness;
  let second: DemoSecurity;
  let files: string[];
  let options: VerifyOptions;

  const checkpointsOf = async (sec: DemoSecurity) =>
    (await readFile(sec.auditSink?.checkpointFile ?? '', 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { jws: string }).jws);

  beforeAll(async () => {
    // The keys every worker shares (run.ts hands them from the cluster primary).
    h = await startHarness('fastify', {
      AUDIT_HMAC_KEY: randomBytes(32).toString('base64url'),
      AUDIT_CHECKPOINT_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ format: 'der', type: 'pkcs8' })
        .toString('base64url'),
    });
    // A second writer on the same AUDIT_DIR, as a second worker would be (its own chain and files).
    second = await createDemoSecurity(h.sec.config, { clock: createManualClock(Date.now() + 3_600_000) });
    for (let i = 0; i < 3; i++) {
      await fetch(`${h.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'demo', password: `Wrong-Password-${i}` }),
      });
    }
    second.audit.fileAccess({ userId: 'u1', action: 'read', resource: 'f1', outcome: 'success' });
    // A clean shutdown signs each chain's head.
    await h.sec.audit.close();
    await second.close();
    files = [...(h.sec.auditSink?.files() ?? []), ...(second.auditSink?.files() ?? [])];
    options = {
      keys: { [h.sec.auditKey.kid]: h.sec.auditKey.secret },
      checkpoints: [...(await checkpointsOf(h.sec)), ...(await checkpointsOf(second))],
      publicKey: h.sec.auditCheckpointKey,
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  it('writes the checkpoints and their public key into AUDIT_DIR; both writers verify as two chains', async () => {
    expect(options.checkpoints?.length).toBeGreaterThanOrEqual(2);
    const pem = await readFile(join(h.sec.config.auditDir, 'checkpoints.pub.pem'), 'utf8');
    expect(pem).toMatch(/BEGIN PUBLIC KEY/);
    const report = await verifyFiles(files, options);
    expect(report.issue).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.chains.length).toBe(2);
  });

  it("verifies with the CLI as docs/demo.md shows: every data file, every writer's checkpoints", async () => {
    const dir = h.sec.config.auditDir;
    const names = (await readdir(dir)).sort();
    const keys = join(dir, '..', 'audit-keys.json');
    await writeFile(keys, JSON.stringify({ demo: Buffer.from(h.sec.auditKey.secret).toString('base64url') }));
    const cps = names.filter((n) => /^demo-.*\.checkpoints\.jsonl$/.test(n));
    expect(cps).toHaveLength(2);
    const out: string[] = [];
    const code = await runCli(
      [
        'verify',
        '--keys',
        keys,
        '--public-key',
        join(dir, 'checkpoints.pub.pem'),
        ...cps.flatMap((n) => ['--checkpoints', join(dir, n)]),
        ...names.filter((n) => /^demo-.*-\d{6}\.jsonl/.test(n)).map((n) => join(dir, n)),
      ],
      { out: (t) => void out.push(t), err: (t) => void out.push(t), env: {} },
    );
    expect(out.join(''), out.join('')).toMatch(/chain/);
    expect(code).toBe(0);
  });

  it('detects a cut tail (truncated) and an emptied writer file (missing-chain)', async () => {
    const [mine] = h.sec.auditSink?.files() ?? [];
    const original = await readFile(mine ?? '');
    // A sealed file is gzipped; verify reads plain and gzipped files alike (by their magic bytes).
    const text = (original[0] === 0x1f ? gunzipSync(original) : original).toString('utf8');
    try {
      await writeFile(mine ?? '', `${text.split('\n').filter(Boolean).slice(0, -2).join('\n')}\n`);
      expect((await verifyFiles(files, options)).issue?.kind).toBe('truncated');
      await writeFile(mine ?? '', '');
      expect((await verifyFiles(files, options)).issue?.kind).toBe('missing-chain');
    } finally {
      await writeFile(mine ?? '', original);
    }
  });
});
