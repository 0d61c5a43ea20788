// biome-ignore-all lint/suspicious/noControlCharactersInRegex: these tests look for control characters
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createEventBus,
  createManualClock,
  defaultEventLevel,
  SECURITY_EVENT_NAMES,
  type SecurityEvent,
} from '@portcullis/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuditLog } from '../src/audit-log.js';
import { verifyCheckpoint } from '../src/checkpoint.js';
import { AuditError } from '../src/errors.js';
import { type AuditFs, createFileSink, nodeAuditFs } from '../src/file-sink.js';
import { createMemorySink } from '../src/sink.js';
import { verifyFiles, verifyLines } from '../src/verify.js';
import { gatedSink, key, keys, tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);

function setup(extra: Partial<Parameters<typeof createAuditLog>[0]> = {}) {
  const clock = createManualClock(T0);
  const events = createEventBus({ clock });
  const sink = createMemorySink();
  const log = createAuditLog({ app: 'files-api', sink, key, clock, events, ...extra });
  return { clock, events, sink, log };
}

describe('createAuditLog', () => {
  it('writes a record for every security event on the bus, with its name and default level', async () => {
    const { events, sink, log } = setup();
    const names = SECURITY_EVENT_NAMES.filter((n) => !n.startsWith('sys_audit_'));
    for (const name of names) events.publish({ name, userId: 'u1', requestId: 'r1', resource: 'login' });
    await log.flush();
    expect(sink.records.map((r) => r.event)).toEqual(names);
    for (const r of sink.records) {
      expect(r.level).toBe(defaultEventLevel(r.event as (typeof names)[number]));
      expect(r).toMatchObject({ app: 'files-api', user: 'u1', reqId: 'r1', resource: 'login' });
    }
  });

  it('does not audit its own sys_audit_* events from the bus (no feedback loop)', async () => {
    const { events, sink, log } = setup();
    events.publish({ name: 'sys_audit_error', reason: 'ENOSPC' });
    events.publish({ name: 'sys_audit_dropped' });
    await log.flush();
    expect(sink.records).toHaveLength(0);
  });

  it.each([
    ['read', 'success', undefined, 'sensitive_read', 'info'],
    ['write', 'success', undefined, 'sensitive_create', 'info'],
    ['write', 'success', true, 'sensitive_update', 'info'],
    ['delete', 'success', undefined, 'sensitive_delete', 'info'],
    ['read', 'failure', undefined, 'sensitive_read', 'warn'],
    ['read', 'denied', undefined, 'authz_fail', 'critical'],
    ['write', 'denied', undefined, 'authz_fail', 'critical'],
    ['delete', 'denied', undefined, 'authz_fail', 'critical'],
  ] as const)(
    'maps fileAccess %s/%s (existing=%s) to %s at %s',
    async (action, outcome, existing, event, level) => {
      const { sink, log } = setup();
      log.fileAccess({ userId: 'u1', action, resource: 'invoice.pdf', outcome, existing });
      await log.flush();
      expect(sink.records[0]).toMatchObject({
        event,
        level,
        action,
        outcome,
        user: 'u1',
        resource: 'invoice.pdf',
      });
    },
  );

  it('stamps UTC ISO time from the clock, a monotonic seq, the app id and the request context', async () => {
    const { clock, sink, log } = setup();
    log.fileAccess({
      userId: 'u1',
      action: 'read',
      resource: 'a.pdf',
      outcome: 'success',
      requestId: 'req-1',
      clientAddress: '203.0.113.9',
      method: 'GET',
      route: '/files/:id',
      userAgent: 'curl/8',
    });
    clock.advance(1500);
    log.fileAccess({
      userId: 'u2',
      action: 'delete',
      resource: 'b.pdf',
      outcome: 'failure',
      reason: 'ERR_NOT_FOUND',
    });
    await log.flush();
    const [a, b] = sink.records;
    expect(a).toMatchObject({
      v: 1,
      seq: 1,
      time: '2026-01-01T00:00:00.000Z',
      app: 'files-api',
      reqId: 'req-1',
      ip: '203.0.113.9',
      method: 'GET',
      route: '/files/:id',
      ua: 'curl/8',
      kid: 'k1',
    });
    expect(b).toMatchObject({ seq: 2, time: '2026-01-01T00:00:01.500Z', reason: 'ERR_NOT_FOUND' });
    expect(b!.prev).toBe(a!.hmac);
  });

  it('never lets a password, token, cookie or reset link reach a line, whatever is passed (property)', async () => {
    const forbiddenKey = fc.constantFrom(
      'password',
      'token',
      'accessToken',
      'cookie',
      'resetLink',
      'secret',
      'authorization',
    );
    const marker = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/).map((s) => `S3CR3T${s}`);
    await fc.assert(
      fc.asyncProperty(forbiddenKey, marker, fc.string({ maxLength: 30 }), async (k, m, noise) => {
        const { events, sink, log } = setup();
        // Secrets under forbidden attribute names, in untyped extra fields, and as values of
        // ordinary fields in the shapes they take in the wild.
        events.publish({ name: 'authn_login_fail', attributes: { [k]: m, rule: noise } } as never);
        log.fileAccess({ action: 'read', resource: 'x', outcome: 'success', [k]: m } as never);
        events.publish({
          name: 'authn_password_reset_requested',
          reason: `https://app.example/reset?token=${m}`,
        });
        events.publish({ name: 'authn_token_invalid', reason: `eyJhbGciOiJIUzI1NiJ9.${m}.sig` });
        events.publish({ name: 'authn_login_fail', attributes: { rule: `password=${m}` } } as never);
        log.fileAccess({
          action: 'read',
          resource: `/files/1?token=${m}`,
          outcome: 'success',
          route: `/r#${m}`,
        });
        log.fileAccess({ action: 'read', resource: 'x', outcome: 'success', userAgent: `Bearer: ${m}` });
        await log.flush();
        const text = sink.lines().join('\n');
        expect(text).not.toContain(m);
        expect(text).not.toMatch(new RegExp(`"${k}"`));
      }),
      { numRuns: 150 },
    );
  });

  it('refuses to configure an attribute name that names a credential', () => {
    expect(() => setup({ attributeKeys: ['rule', 'resetToken'] })).toThrow(/credential/);
    expect(() => setup({ attributeKeys: ['sessionId'] })).toThrow(/credential/);
  });

  it('encodes hostile strings so that one record stays one line', async () => {
    const { sink, log } = setup();
    log.fileAccess({
      userId: 'eve\n{"seq":99,"event":"authn_login_success"}',
      action: 'read',
      resource: 'a\u001b[2Jb\u202ec',
      outcome: 'success',
      userAgent: 'x'.repeat(10_000),
    });
    await log.flush();
    const lines = sink.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\n\r\u001b\u202e]/);
    expect(sink.records[0]!.ua!.length).toBeLessThanOrEqual(256);
  });

  it('rejects a fileAccess without a valid action or outcome', () => {
    const { log } = setup();
    expect(() => log.fileAccess({ action: 'rename', resource: 'x', outcome: 'success' } as never)).toThrow(
      AuditError,
    );
  });

  describe('overflow', () => {
    it("'drop' counts dropped records and writes a sys_audit_dropped record with the count", async () => {
      const sink = gatedSink();
      const seen: SecurityEvent[] = [];
      const clock = createManualClock(T0);
      const events = createEventBus({ clock });
      events.subscribe((e) => void seen.push(e), ['sys_audit_dropped']);
      const log = createAuditLog({
        app: 'a',
        sink,
        key,
        clock,
        events,
        maxQueue: 3,
        batchSize: 3,
        overflow: 'drop',
      });
      for (let i = 0; i < 3; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
      const writing = log.flush(); // takes the 3 queued records; the sink holds them
      for (let i = 3; i < 8; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
      // 3 more fit in the emptied queue; 2 are dropped.
      expect(log.stats().dropped).toBe(2);
      sink.open();
      await writing;
      await log.flush();
      expect(sink.records.map((r) => r.event)).toContain('sys_audit_dropped');
      const note = sink.records.find((r) => r.event === 'sys_audit_dropped')!;
      expect(note.attrs).toEqual({ dropped: 2 });
      expect(seen).toHaveLength(1);
      expect(sink.records).toHaveLength(3 + 3 + 1);
      expect(log.stats()).toMatchObject({ accepted: 6, written: 7, dropped: 2, pending: 0 });
    });

    it("'fail' throws ERR_AUDIT_QUEUE_FULL (a 503) when the queue is full", () => {
      const sink = gatedSink();
      const log = createAuditLog({ app: 'a', sink, key, maxQueue: 2, overflow: 'fail' });
      log.fileAccess({ action: 'read', resource: 'a', outcome: 'success' });
      log.fileAccess({ action: 'read', resource: 'b', outcome: 'success' });
      let caught: unknown;
      try {
        log.fileAccess({ action: 'read', resource: 'c', outcome: 'success' });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AuditError);
      expect((caught as AuditError).code).toBe('ERR_AUDIT_QUEUE_FULL');
      expect((caught as AuditError).status).toBe(503);
    });

    it("'block' returns a promise that settles once the record is queued, and loses nothing", async () => {
      const sink = gatedSink();
      const log = createAuditLog({ app: 'a', sink, key, maxQueue: 2, batchSize: 2, overflow: 'block' });
      expect(log.fileAccess({ action: 'read', resource: 'a', outcome: 'success' })).toBeUndefined();
      expect(log.fileAccess({ action: 'read', resource: 'b', outcome: 'success' })).toBeUndefined();
      const blocked = log.fileAccess({ action: 'read', resource: 'c', outcome: 'success' });
      expect(blocked).toBeInstanceOf(Promise);
      let settled = false;
      void (blocked as Promise<void>).then(() => {
        settled = true;
      });
      await Promise.resolve();
      expect(settled).toBe(false);
      const flushing = log.flush();
      sink.open();
      await flushing;
      expect(settled).toBe(true);
      expect(sink.records.map((r) => r.resource)).toEqual(['a', 'b', 'c']);
      expect(log.stats().dropped).toBe(0);
    });

    it("'block' holds at most maxQueue waiting records, then drops and counts (a stuck disk cannot exhaust memory)", async () => {
      const sink = gatedSink();
      const log = createAuditLog({ app: 'a', sink, key, maxQueue: 2, batchSize: 2, overflow: 'block' });
      const results = Array.from({ length: 5 }, (_, i) =>
        log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' }),
      );
      expect(results.map((r) => r instanceof Promise)).toEqual([false, false, true, true, false]);
      expect(log.stats()).toMatchObject({ accepted: 4, dropped: 1 });
      const flushing = log.flush();
      sink.open();
      await flushing;
      // The note leads the next batch written after the drop.
      expect(sink.records.map((r) => r.resource ?? r.event)).toEqual([
        'sys_audit_dropped',
        'f0',
        'f1',
        'f2',
        'f3',
      ]);
    });
  });

  describe('sink failures', () => {
    function failingFs(code: string, failures: number): AuditFs & { left: () => number } {
      let left = failures;
      return {
        ...nodeAuditFs,
        left: () => left,
        async open(path, flags) {
          const h = await nodeAuditFs.open(path, flags);
          return {
            ...h,
            async write(data) {
              if (left > 0) {
                left--;
                // Half the batch reaches the disk before the disk fills up.
                await h.write(data.subarray(0, Math.floor(data.length / 2)));
                throw Object.assign(new Error(`${code}: simulated`), { code });
              }
              return h.write(data);
            },
          };
        },
      };
    }

    it('reports disk full (ENOSPC) as sys_audit_error and a counter, keeps the records and writes them once the disk recovers', async () => {
      const dir = tempDir();
      const fs = failingFs('ENOSPC', 2);
      const clock = createManualClock(T0);
      const events = createEventBus({ clock });
      const errors: SecurityEvent[] = [];
      events.subscribe((e) => void errors.push(e), ['sys_audit_error']);
      const sink = createFileSink({ dir, fs, clock });
      const log = createAuditLog({ app: 'a', sink, key, clock, events, batchSize: 10 });
      for (let i = 0; i < 25; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
      const e1 = await log.flush().catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(AuditError);
      expect((e1 as AuditError).code).toBe('ERR_AUDIT_WRITE_FAILED');
      expect(errors[0]).toMatchObject({ name: 'sys_audit_error', reason: 'ENOSPC', level: 'critical' });
      await expect(log.flush()).rejects.toThrow(AuditError);
      expect(log.stats()).toMatchObject({ errors: 2, written: 0, pending: 25 });
      // The disk has room again: everything accepted is written exactly once.
      await log.close();
      expect(fs.left()).toBe(0);
      expect(log.stats()).toMatchObject({ written: 25, pending: 0 });
      const report = await verifyFiles(sink.files(), { keys });
      expect(report.issue).toBeUndefined();
      expect(report).toMatchObject({ ok: true, records: 25, lastSeq: 25 });
    });

    it('reports EACCES on open as sys_audit_error', async () => {
      const errors: SecurityEvent[] = [];
      const events = createEventBus();
      events.subscribe((e) => void errors.push(e), ['sys_audit_error']);
      const fs: AuditFs = {
        ...nodeAuditFs,
        open: async () => {
          throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        },
      };
      const log = createAuditLog({ app: 'a', sink: createFileSink({ dir: tempDir(), fs }), key, events });
      log.fileAccess({ action: 'write', resource: 'f', outcome: 'success' });
      await expect(log.flush()).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE_FAILED' });
      expect(errors.map((e) => e.reason)).toEqual(['EACCES']);
      expect(log.stats().errors).toBe(1);
    });

    it('reports an unwritable folder on the real file system (its parent is a file, which even root cannot write through)', async () => {
      // chmod does not stop root, so a read-only folder is simulated by a path under a regular file.
      const base = tempDir();
      writeFileSync(join(base, 'not-a-dir'), 'x');
      const errors: SecurityEvent[] = [];
      const events = createEventBus();
      events.subscribe((e) => void errors.push(e), ['sys_audit_error']);
      const reported: AuditError[] = [];
      const log = createAuditLog({
        app: 'a',
        sink: createFileSink({ dir: join(base, 'not-a-dir', 'audit') }),
        key,
        events,
        onError: (e) => void reported.push(e),
      });
      log.fileAccess({ action: 'write', resource: 'f', outcome: 'success' });
      await expect(log.flush()).rejects.toThrow(AuditError);
      expect(errors[0]?.reason).toMatch(/^(ENOTDIR|EEXIST)$/);
      expect(reported[0]?.code).toBe('ERR_AUDIT_WRITE_FAILED');
      mkdirSync(join(base, 'ok'));
    });
  });

  describe('fileAccessAfterResponse', () => {
    it('never throws: a full queue under the fail policy becomes a counted, noted drop', async () => {
      const sink = gatedSink();
      const log = createAuditLog({ app: 'a', sink, key, maxQueue: 1, overflow: 'fail' });
      log.fileAccessAfterResponse({ action: 'read', resource: 'a', outcome: 'success' });
      expect(() =>
        log.fileAccessAfterResponse({ action: 'read', resource: 'b', outcome: 'success' }),
      ).not.toThrow();
      expect(log.stats().dropped).toBe(1);
      sink.open();
      await log.flush();
      expect(sink.records.map((r) => r.event)).toEqual(['sys_audit_dropped', 'sensitive_read']);
    });

    it('publishes sys_audit_dropped for a record arriving after close, and reports invalid input', async () => {
      const errors: AuditError[] = [];
      const { events, log } = setup({ onError: (e) => void errors.push(e) });
      const seen: SecurityEvent[] = [];
      events.subscribe((e) => void seen.push(e), ['sys_audit_dropped', 'sys_audit_error']);
      log.fileAccessAfterResponse({ action: 'move', resource: 'a', outcome: 'success' } as never);
      expect(errors[0]?.code).toBe('ERR_AUDIT_INPUT_INVALID');
      await log.close();
      log.fileAccessAfterResponse({ action: 'read', resource: 'a', outcome: 'success' });
      expect(seen.map((e) => e.name)).toEqual(['sys_audit_error', 'sys_audit_dropped']);
      expect(log.stats().dropped).toBe(1);
    });
  });

  describe('batching', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('writes a full batch at once, without waiting for the flush interval', async () => {
      vi.useFakeTimers();
      const sink = createMemorySink();
      const log = createAuditLog({ app: 'a', sink, key, batchSize: 10, flushIntervalMs: 100 });
      for (let i = 0; i < 9; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
      await vi.advanceTimersByTimeAsync(0);
      expect(sink.records).toHaveLength(0); // a partial batch waits for the interval
      log.fileAccess({ action: 'read', resource: 'f9', outcome: 'success' });
      await vi.advanceTimersByTimeAsync(0);
      expect(sink.records).toHaveLength(10);
    });

    it('writes a partial batch after flushIntervalMs', async () => {
      vi.useFakeTimers();
      const sink = createMemorySink();
      const log = createAuditLog({ app: 'a', sink, key, batchSize: 10, flushIntervalMs: 100 });
      log.fileAccess({ action: 'read', resource: 'f', outcome: 'success' });
      await vi.advanceTimersByTimeAsync(99);
      expect(sink.records).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(sink.records).toHaveLength(1);
    });
  });

  it('refuses records after close with ERR_AUDIT_CLOSED and ignores bus events', async () => {
    const { events, sink, log } = setup();
    await log.close();
    expect(() => log.fileAccess({ action: 'read', resource: 'a', outcome: 'success' })).toThrow(
      expect.objectContaining({ code: 'ERR_AUDIT_CLOSED' }),
    );
    events.publish({ name: 'authz_fail' });
    expect(sink.records).toHaveLength(0);
    await log.close(); // idempotent
  });

  it('signs checkpoints with Ed25519 every N records and at close', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const external: unknown[] = [];
    const { sink, log } = setup({
      batchSize: 5,
      checkpoints: {
        privateKey,
        kid: 'cp1',
        everyRecords: 10,
        sinks: [{ write: (c) => void external.push(c) }],
      },
    });
    for (let i = 0; i < 23; i++) log.fileAccess({ action: 'read', resource: `f${i}`, outcome: 'success' });
    await log.close();
    expect(sink.checkpoints.map((c) => c.seq)).toEqual([10, 20, 23]);
    expect(external).toHaveLength(3);
    const last = sink.checkpoints.at(-1)!;
    const payload = await verifyCheckpoint(last.jws, publicKey);
    expect(payload).toEqual({
      app: 'files-api',
      chain: sink.records[22]!.chain,
      seq: 23,
      hmac: sink.records[22]!.hmac,
      time: last.time,
    });
    expect(payload.chain).toMatch(/^[A-Za-z0-9._-]+-\d+-[0-9a-z]+$/);
    expect(log.lastCheckpoint?.seq).toBe(23);
    const header = JSON.parse(Buffer.from(last.jws.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'Ed25519', kid: 'cp1' });
    const lines = sink.lines().map((text, i) => ({ text, file: 'mem', line: i + 1 }));
    expect(await verifyLines(lines, { keys, checkpoints: sink.checkpoints, publicKey })).toMatchObject({
      ok: true,
      checkpointSeq: 23,
    });
  });

  it('also signs a checkpoint once everyMs has passed, at the next write', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const { clock, sink, log } = setup({ checkpoints: { privateKey, everyRecords: 1000, everyMs: 60_000 } });
    log.fileAccess({ action: 'read', resource: 'a', outcome: 'success' });
    await log.flush();
    expect(sink.checkpoints).toHaveLength(0);
    clock.advance(60_000);
    log.fileAccess({ action: 'read', resource: 'b', outcome: 'success' });
    await log.flush();
    expect(sink.checkpoints.map((c) => c.seq)).toEqual([2]);
    clock.advance(60_000);
    await log.flush(); // nothing new: no checkpoint
    expect(sink.checkpoints).toHaveLength(1);
  });

  it('writes an unchained log when the key is null', async () => {
    const sink = createMemorySink();
    const log = createAuditLog({ app: 'a', sink, key: null });
    log.fileAccess({ action: 'read', resource: 'a', outcome: 'success' });
    await log.flush();
    expect(sink.records[0]).toMatchObject({ kid: 'none', prev: '', hmac: '' });
  });

  it('refuses HMAC keys shorter than 32 bytes', () => {
    expect(() =>
      createAuditLog({ app: 'a', sink: createMemorySink(), key: { kid: 'k', secret: new Uint8Array(16) } }),
    ).toThrow(/32 bytes/);
  });
});
