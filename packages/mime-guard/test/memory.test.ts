import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, 'memory');

describe('createMimeGuard: memory', () => {
  it('passes a 200 MB stream with flat memory (peak RSS growth under 64 MB, measured in a child process)', () => {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--conditions=dev-source', '--import', './ts-resolve.mjs', 'stream-200mb.ts', '200'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const r = JSON.parse(out) as {
      bytes: number;
      expected: number;
      bytesRead: number;
      rssGrowthBytes: number;
    };
    console.log(`200 MB through the guard: peak RSS growth ${(r.rssGrowthBytes / 1048576).toFixed(1)} MiB`);
    expect(r.bytes).toBe(r.expected);
    expect(r.bytesRead).toBeLessThanOrEqual(4100 + 64 * 1024);
    expect(r.rssGrowthBytes).toBeLessThan(64 * 1024 * 1024);
  });
});
