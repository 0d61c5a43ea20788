/**
 * One scenario table for the Express, Fastify and Hono audit adapters, so their behaviour cannot
 * drift apart. Each adapter test mounts the same three routes:
 *
 * - `GET /files/:id` (download, audited as `read`): 401 without a user, 403 for `secret` unless
 *   the user is `admin`, 404 for `missing`, else 200.
 * - `POST /files` (upload, audited as `write`, resource = the `x-file-name` header): 401 without
 *   a user, else 201.
 * - `DELETE /files/:id` (audited as `delete`): 204.
 *
 * The user id comes from a request-scoped value a test middleware sets from `x-test-user`
 * (standing in for the verified token's `sub` the tokens middleware will stash).
 */
import { type ClientAddressResolver, createClientAddressResolver } from '@portcullis/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AuditLog, createAuditLog } from '../src/audit-log.js';
import type { AuditRecord } from '../src/record.js';
import { createMemorySink } from '../src/sink.js';
import { verifyLines } from '../src/verify.js';
import { key, keys } from './helpers.js';

export interface AuditScenario {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  status: number;
  record: Partial<AuditRecord>;
  /** Strings that must appear nowhere in the written line. */
  absent?: string[];
}

export const AUDIT_ROUTES = { download: '/files/:id', upload: '/files' } as const;

export const AUDIT_SCENARIOS: readonly AuditScenario[] = [
  {
    name: 'a download by a signed-in user is a sensitive_read with the user id',
    method: 'GET',
    path: '/files/report.pdf',
    headers: { 'x-test-user': 'u-42', 'user-agent': 'scenario-agent/1.0', 'x-request-id': 'req-1' },
    status: 200,
    record: {
      event: 'sensitive_read',
      level: 'info',
      user: 'u-42',
      action: 'read',
      resource: 'report.pdf',
      outcome: 'success',
      method: 'GET',
      route: '/files/:id',
      ip: '127.0.0.1',
      ua: 'scenario-agent/1.0',
      reqId: 'req-1',
    },
  },
  {
    name: 'an upload is a sensitive_create with the user id',
    method: 'POST',
    path: '/files',
    headers: {
      'x-test-user': 'u-42',
      'x-file-name': 'avatar.png',
      'content-type': 'application/octet-stream',
    },
    status: 201,
    record: {
      event: 'sensitive_create',
      user: 'u-42',
      action: 'write',
      resource: 'avatar.png',
      outcome: 'success',
      method: 'POST',
      route: '/files',
    },
  },
  {
    name: 'a delete is a sensitive_delete',
    method: 'DELETE',
    path: '/files/old.pdf',
    headers: { 'x-test-user': 'u-42' },
    status: 204,
    record: { event: 'sensitive_delete', action: 'delete', resource: 'old.pdf', outcome: 'success' },
  },
  {
    name: 'a download refused to another user is an authz_fail (critical)',
    method: 'GET',
    path: '/files/secret',
    headers: { 'x-test-user': 'u-7' },
    status: 403,
    record: { event: 'authz_fail', level: 'critical', user: 'u-7', resource: 'secret', outcome: 'denied' },
  },
  {
    name: 'an anonymous download is an authz_fail without a user',
    method: 'GET',
    path: '/files/report.pdf',
    status: 401,
    record: { event: 'authz_fail', outcome: 'denied', resource: 'report.pdf' },
  },
  {
    name: 'a missing file is a failed sensitive_read (warn)',
    method: 'GET',
    path: '/files/missing',
    headers: { 'x-test-user': 'u-42' },
    status: 404,
    record: { event: 'sensitive_read', level: 'warn', outcome: 'failure', resource: 'missing' },
  },
  {
    name: 'a token in the query string never reaches the line',
    method: 'GET',
    path: '/files/report.pdf?token=eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig&sig=leaked-secret-123',
    headers: { 'x-test-user': 'u-42' },
    status: 200,
    record: { event: 'sensitive_read', resource: 'report.pdf', route: '/files/:id' },
    absent: ['eyJhbGciOiJIUzI1NiJ9', 'leaked-secret-123', 'token='],
  },
];

/** What a route does for a scenario; the three adapters' handlers call this. */
export function routeStatus(
  kind: 'download' | 'upload' | 'delete',
  user: string | undefined,
  id: string | undefined,
): number {
  if (kind === 'delete') return 204;
  if (user === undefined) return 401;
  if (kind === 'upload') return 201;
  if (id === 'secret' && user !== 'admin') return 403;
  if (id === 'missing') return 404;
  return 200;
}

/** What an adapter test gets to build its app. */
export interface AuditAppDeps {
  audit: AuditLog;
  clientAddress: ClientAddressResolver;
}

/** A running server. */
export interface RunningAuditApp {
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Runs every scenario against an adapter's app over loopback. `start` mounts the three routes
 * (see the file comment) with the adapter's `auditFileAccess`, a middleware copying
 * `x-test-user` to `requestState(req).user`, and `userId` reading it back.
 */
export function runAuditScenarios(
  name: string,
  start: (deps: AuditAppDeps) => Promise<RunningAuditApp>,
): void {
  describe(`${name} auditFileAccess (shared scenarios)`, () => {
    const sink = createMemorySink();
    const audit = createAuditLog({ app: 'scenarios', sink, key, batchSize: 1 });
    let app: RunningAuditApp;

    beforeAll(async () => {
      app = await start({ audit, clientAddress: createClientAddressResolver() });
    });
    afterAll(async () => {
      await app.close();
      await audit.close();
    });

    it.each(AUDIT_SCENARIOS)('$name', async (s) => {
      const before = sink.records.length;
      const res = await fetch(`${app.baseUrl}${s.path}`, {
        method: s.method,
        headers: s.headers ?? {},
        ...(s.method === 'POST' ? { body: 'file-bytes' } : {}),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(s.status);
      // The record is queued when the server side of the response closes, just after the client
      // has it: wait for that event, then for the write.
      await vi.waitFor(() => expect(audit.stats().accepted).toBeGreaterThan(before), {
        timeout: 2000,
        interval: 5,
      });
      await audit.flush();
      expect(sink.records).toHaveLength(before + 1);
      const record = sink.records[before]!;
      expect(record).toMatchObject(s.record);
      if (!s.headers?.['x-test-user']) expect(record.user).toBeUndefined();
      const line = JSON.stringify(record);
      for (const a of s.absent ?? []) expect(line).not.toContain(a);
    });

    it('writes a chain that verifies', async () => {
      await audit.flush();
      const lines = sink.lines().map((text, i) => ({ text, file: name, line: i + 1 }));
      expect(lines.length).toBeGreaterThanOrEqual(AUDIT_SCENARIOS.length);
      expect(await verifyLines(lines, { keys })).toMatchObject({ ok: true });
    });
  });
}

declare module '@portcullis/core' {
  interface PortcullisRequestState {
    /** The test apps' stand-in for an authenticated user (the `x-test-user` header). */
    user?: string | undefined;
  }
}
