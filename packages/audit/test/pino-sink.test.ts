import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../src/audit-log.js';
import { createPinoSink } from '../src/sink.js';
import { verifyLines } from '../src/verify.js';
import { key, keys, tempDir } from './helpers.js';

describe('createPinoSink', () => {
  it('writes each record through pino at a matching level, and the extracted records still verify', async () => {
    const file = join(tempDir('audit-pino-'), 'app.log');
    const dest = pino.destination({ dest: file, sync: false });
    const logger = pino({ level: 'info' }, dest);
    const log = createAuditLog({ app: 'a', sink: createPinoSink(logger), key });
    log.fileAccess({ userId: 'u1', action: 'read', resource: 'a.pdf', outcome: 'success' });
    log.fileAccess({ userId: 'u1', action: 'read', resource: 'b.pdf', outcome: 'failure' });
    log.fileAccess({ userId: 'u2', action: 'delete', resource: 'c.pdf', outcome: 'denied' });
    await log.close();
    // pino's flush() does not wait for in-flight async writes (sonic-boom with minLength 0): the
    // app that owns the destination ends it at shutdown, as here.
    await new Promise((resolve) => {
      dest.on('close', resolve);
      dest.end();
    });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const parsed = lines.map(
      (l) => JSON.parse(l) as { level: number; msg: string; audit: { event: string } },
    );
    expect(parsed.map((p) => p.level)).toEqual([30, 40, 50]);
    expect(parsed.map((p) => p.msg)).toEqual(['audit', 'audit', 'audit']);
    expect(parsed.map((p) => p.audit.event)).toEqual(['sensitive_read', 'sensitive_read', 'authz_fail']);
    const records = parsed.map((p, i) => ({ text: JSON.stringify(p.audit), file, line: i + 1 }));
    expect(await verifyLines(records, { keys })).toMatchObject({ ok: true, records: 3 });
  });
});
