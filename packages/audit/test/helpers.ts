import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditKey } from '../src/chain.js';
import type { AuditRecord } from '../src/record.js';
import type { AuditSink } from '../src/sink.js';

export const secret = randomBytes(32);
export const key: AuditKey = { kid: 'k1', secret };
export const keys = { k1: secret };

export function tempDir(prefix = 'audit-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A sink whose writes wait until the test opens the gate. */
export function gatedSink(): AuditSink & { records: AuditRecord[]; open(): void; calls: number } {
  const records: AuditRecord[] = [];
  let release: (() => void) | null = null;
  let gate = new Promise<void>((r) => {
    release = r;
  });
  const s = {
    records,
    calls: 0,
    open() {
      release?.();
      gate = Promise.resolve();
    },
    async write(batch: readonly AuditRecord[]) {
      s.calls++;
      await gate;
      records.push(...batch);
    },
    async close() {},
  };
  return s;
}
