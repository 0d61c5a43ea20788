import {
  SECURITY_EVENT_NAMES,
  type SecurityEvent,
  type SecurityEventAttributes,
  type SecurityEventLevel,
  type SecurityEventName,
} from '@portcullis/core';
import { encodeField, stripQuery } from './encode.js';

/**
 * Events only the audit log writes, after the OWASP Logging Vocabulary Cheat Sheet
 * ("sensitive_*" for access to protected data).
 */
export const AUDIT_ONLY_EVENT_NAMES = [
  'sensitive_read',
  'sensitive_create',
  'sensitive_update',
  'sensitive_delete',
] as const;

/** Every event name an audit record may carry: core's security events plus {@link AUDIT_ONLY_EVENT_NAMES}. */
export const AUDIT_EVENT_NAMES: readonly AuditEventName[] = [
  ...SECURITY_EVENT_NAMES,
  ...AUDIT_ONLY_EVENT_NAMES,
];

/** One of {@link AUDIT_EVENT_NAMES}. */
export type AuditEventName = SecurityEventName | (typeof AUDIT_ONLY_EVENT_NAMES)[number];

/** What was done to a file. */
export type FileAction = 'read' | 'write' | 'delete';

/** How it ended: `denied` is an authorisation refusal and is written as `authz_fail`. */
export type AuditOutcome = 'success' | 'failure' | 'denied';

/** What the HTTP layer knows about the request; adapters fill it. Every field is optional. */
export interface AuditRequestContext {
  requestId?: string | undefined;
  /** Client address as core's client-address resolver returned it (`ClientAddress.address`). */
  clientAddress?: string | undefined;
  method?: string | undefined;
  /** The route pattern (`/files/:id`), not the raw URL: the URL may carry a token in its query. */
  route?: string | undefined;
  userAgent?: string | undefined;
}

/** Input of `fileAccess()`. */
export interface FileAccessInput extends AuditRequestContext {
  /** Verified subject (a token's `sub`), never a name typed by an anonymous client. */
  userId?: string | undefined;
  action: FileAction;
  /** The file id or path accessed (a query string or fragment is cut off). */
  resource: string;
  outcome: AuditOutcome;
  /** Stable reason code (`ERR_...`, a rule id), for failures and denials. */
  reason?: string | undefined;
  /** For `write`: true when an existing file was replaced (`sensitive_update` instead of `sensitive_create`). */
  existing?: boolean | undefined;
}

/** Length caps (UTF-16 code units), so that one request cannot flood or hide a line. */
export const FIELD_LIMITS = {
  user: 128,
  resource: 512,
  reason: 128,
  reqId: 128,
  ip: 64,
  method: 16,
  route: 256,
  ua: 256,
  attrValue: 256,
} as const;

/**
 * Attribute names copied from bus events by default. Anything else is dropped: an allow-list,
 * because a deny-list misses the next `pwd` or `x-session`. OWASP Logging Cheat Sheet, "Data to
 * exclude".
 */
export const DEFAULT_ATTRIBUTE_KEYS: readonly string[] = [
  'attempts',
  'count',
  'declaredMime',
  'detectedMime',
  'dropped',
  'durationMs',
  'errorCode',
  'extension',
  'family',
  'limit',
  'maxSize',
  'mime',
  'policy',
  'remaining',
  'retryAfter',
  'rule',
  'scope',
  'score',
  'size',
  'status',
  'store',
  'tokenType',
  'windowMs',
];

/** Attribute names that are refused even when configured: they name credentials. */
export const FORBIDDEN_ATTRIBUTE_KEY =
  /pass|pwd|secret|token(?!type)|cookie|session|auth|bearer|key|link|url|otp|pin\b/i;

/** A record before chaining: the fields, in their canonical order. Absent fields are omitted. */
export interface AuditFields {
  v: 1;
  seq: number;
  /** UTC ISO 8601 (`2026-01-01T00:00:00.000Z`). */
  time: string;
  app: string;
  /**
   * Name of the writer's chain (one per writer: a process, a worker). Records of several
   * writers verify together as a set of chains. Absent in records of earlier releases.
   */
  chain?: string | undefined;
  event: AuditEventName;
  level: SecurityEventLevel;
  user?: string | undefined;
  action?: FileAction | undefined;
  resource?: string | undefined;
  outcome?: AuditOutcome | undefined;
  reason?: string | undefined;
  reqId?: string | undefined;
  ip?: string | undefined;
  method?: string | undefined;
  route?: string | undefined;
  ua?: string | undefined;
  attrs?: Readonly<Record<string, string | number | boolean>> | undefined;
}

/** A record as written: its fields plus the chain (`kid`, `prev`, `hmac`). */
export interface AuditRecord extends AuditFields {
  /** Id of the HMAC key. */
  kid: string;
  /** `hmac` of the previous record (64 zeros for the first record of a chain). */
  prev: string;
  /** HMAC-SHA256(key, canonical(record) + prev), hex. */
  hmac: string;
}

/**
 * Field order of the canonical form; changing it breaks every existing chain (adding a field
 * that earlier records never carry does not: absent fields are left out).
 */
export const CANONICAL_FIELDS = [
  'v',
  'seq',
  'time',
  'app',
  'chain',
  'event',
  'level',
  'user',
  'action',
  'resource',
  'outcome',
  'reason',
  'reqId',
  'ip',
  'method',
  'route',
  'ua',
  'attrs',
  'kid',
] as const;

/** Every key a written line may have; any other key is tampering. */
export const RECORD_KEYS: ReadonlySet<string> = new Set<string>([...CANONICAL_FIELDS, 'prev', 'hmac']);

/**
 * The exact text the HMAC covers, which is also the written line minus its `hmac`: a JSON object
 * with the fields in {@link CANONICAL_FIELDS} order (absent ones left out, attribute keys
 * sorted), then `prev`. What is signed is what is read; JSON.stringify is deterministic for
 * strings, finite numbers and booleans in a fixed key order, so a verifier re-serialises the
 * parsed values and gets the same text back whatever whitespace or key order a file shows.
 */
export function canonicalize(fields: AuditFields, kid: string, prev: string): string {
  return `${canonicalBody(fields, kid, prev)}}`;
}

/** {@link canonicalize} without its closing brace: the written line continues with `hmac`. */
export function canonicalBody(fields: AuditFields, kid: string, prev: string): string {
  const tail = `"kid":${JSON.stringify(kid)},"prev":${JSON.stringify(prev)}`;
  // Records from encodeRecord already hold their fields in canonical order: one native
  // JSON.stringify then gives the canonical text (twice as fast as rebuilding the object).
  if (inCanonicalOrder(fields)) return `${JSON.stringify(fields).slice(0, -1)},${tail}`;
  const r = fields as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of CANONICAL_FIELDS) {
    if (k === 'kid') continue;
    const v = k === 'attrs' && fields.attrs !== undefined ? sortedAttrs(fields.attrs) : r[k];
    if (v !== undefined) out[k] = v;
  }
  const json = JSON.stringify(out);
  return json === '{}' ? `{${tail}` : `${json.slice(0, -1)},${tail}`;
}

const ORDER: ReadonlyMap<string, number> = new Map(
  CANONICAL_FIELDS.filter((k) => k !== 'kid').map((k, i) => [k, i]),
);

/** True when the own keys are canonical fields in canonical order, none undefined, attrs sorted. */
function inCanonicalOrder(fields: AuditFields): boolean {
  const r = fields as unknown as Record<string, unknown>;
  let last = -1;
  for (const k in r) {
    const i = ORDER.get(k);
    if (i === undefined || i <= last || r[k] === undefined) return false;
    last = i;
  }
  if (fields.attrs !== undefined) {
    const keys = Object.keys(fields.attrs);
    for (let i = 1; i < keys.length; i++) if (keys[i - 1]! >= keys[i]!) return false;
  }
  return true;
}

function sortedAttrs(
  a: Readonly<Record<string, string | number | boolean>>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const k of Object.keys(a).sort()) out[k] = a[k]!;
  return out;
}

/** The written line: the canonical text with `hmac` appended as its last member. */
export function lineOf(canonical: string, hmac: string): string {
  return `${canonical.slice(0, -1)},"hmac":"${hmac}"}`;
}

/** What the hot path stores: raw values, encoded later off the request path. */
export interface PendingRecord {
  seq: number;
  time: number;
  event: AuditEventName;
  level: SecurityEventLevel;
  user?: string | undefined;
  action?: FileAction | undefined;
  resource?: string | undefined;
  outcome?: AuditOutcome | undefined;
  reason?: string | undefined;
  reqId?: string | undefined;
  ip?: string | undefined;
  method?: string | undefined;
  route?: string | undefined;
  ua?: string | undefined;
  attrs?: SecurityEventAttributes | undefined;
}

/** The event name of a file access (OWASP vocabulary: sensitive_*, authz_fail). */
export function fileAccessEvent(
  input: Pick<FileAccessInput, 'action' | 'outcome' | 'existing'>,
): AuditEventName {
  if (input.outcome === 'denied') return 'authz_fail';
  if (input.action === 'read') return 'sensitive_read';
  if (input.action === 'delete') return 'sensitive_delete';
  return input.existing === true ? 'sensitive_update' : 'sensitive_create';
}

/** Level of a file access: denials are critical (OWASP `authz_fail`), failures warn. */
export function fileAccessLevel(outcome: AuditOutcome): SecurityEventLevel {
  return outcome === 'denied' ? 'critical' : outcome === 'failure' ? 'warn' : 'info';
}

/**
 * The outcome of a file route from its HTTP status: 401/403 are denials, other 4xx/5xx failures.
 * Kept here, not in the adapters, so the three frameworks cannot disagree.
 */
export function outcomeFromStatus(status: number): AuditOutcome {
  if (status === 401 || status === 403) return 'denied';
  return status >= 200 && status < 400 ? 'success' : 'failure';
}

/** How a file transfer ended, as an adapter saw it. */
export interface FileTransferEnd {
  /** The HTTP status sent (or set, when the response never went out). */
  status: number;
  /** True when the whole response was handed to the client; false when the connection closed first. */
  completed: boolean;
}

/**
 * The audit outcome of a file route: a transfer cut before its end is a `failure` with reason
 * `ABORTED`, whatever the status said; otherwise {@link outcomeFromStatus}. Decided here so the
 * three adapters record an aborted download the same way.
 */
export function fileTransferOutcome(end: FileTransferEnd): {
  outcome: AuditOutcome;
  reason: 'ABORTED' | undefined;
} {
  if (!end.completed) return { outcome: 'failure', reason: 'ABORTED' };
  return { outcome: outcomeFromStatus(end.status), reason: undefined };
}

let lastMs = Number.NaN;
let lastIso = '';
/** `toISOString()`, reused while the millisecond does not change (most records of a batch). */
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** Maps a bus event to a pending record (the hot path: no encoding here). */
export function pendingFromEvent(seq: number, e: SecurityEvent): PendingRecord {
  return {
    seq,
    time: e.time,
    event: e.name,
    level: e.level,
    user: e.userId,
    resource: e.resource,
    reason: e.reason,
    reqId: e.requestId,
    ip: e.clientAddress,
    attrs: definedAttributes(e.attributes),
  };
}

/** The typed attributes of an event as the record stores them: scalar values, no `undefined`. */
function definedAttributes(attrs: object | undefined): SecurityEventAttributes | undefined {
  if (attrs === undefined) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

function str(v: unknown, max: number): string | undefined {
  return typeof v === 'string' && v.length > 0 ? encodeField(v, max) : undefined;
}

/**
 * Encodes a pending record into its written fields: every string capped and sanitised, credential
 * lookalikes redacted, query strings cut from resources and routes, attributes allow-listed.
 */
export function encodeRecord(
  p: PendingRecord,
  app: string,
  attributeKeys: ReadonlySet<string>,
  chain?: string,
): AuditFields {
  const f: AuditFields =
    chain === undefined
      ? { v: 1, seq: p.seq, time: isoTime(p.time), app, event: p.event, level: p.level }
      : { v: 1, seq: p.seq, time: isoTime(p.time), app, chain, event: p.event, level: p.level };
  const user = str(p.user, FIELD_LIMITS.user);
  if (user !== undefined) f.user = user;
  if (p.action !== undefined) f.action = p.action;
  const resource =
    typeof p.resource === 'string' ? str(stripQuery(p.resource), FIELD_LIMITS.resource) : undefined;
  if (resource !== undefined) f.resource = resource;
  if (p.outcome !== undefined) f.outcome = p.outcome;
  const reason = str(p.reason, FIELD_LIMITS.reason);
  if (reason !== undefined) f.reason = reason;
  const reqId = str(p.reqId, FIELD_LIMITS.reqId);
  if (reqId !== undefined) f.reqId = reqId;
  const ip = str(p.ip, FIELD_LIMITS.ip);
  if (ip !== undefined) f.ip = ip;
  const method = str(p.method, FIELD_LIMITS.method);
  if (method !== undefined) f.method = method;
  const route = typeof p.route === 'string' ? str(stripQuery(p.route), FIELD_LIMITS.route) : undefined;
  if (route !== undefined) f.route = route;
  const ua = str(p.ua, FIELD_LIMITS.ua);
  if (ua !== undefined) f.ua = ua;
  if (p.attrs) {
    let attrs: Record<string, string | number | boolean> | undefined;
    for (const k of Object.keys(p.attrs).sort()) {
      if (!attributeKeys.has(k)) continue;
      const v = p.attrs[k];
      let out: string | number | boolean | undefined;
      if (typeof v === 'boolean') out = v;
      else if (typeof v === 'number')
        out = Number.isFinite(v) ? v + 0 : undefined; // -0 is written as 0
      else if (typeof v === 'string') out = encodeField(v, FIELD_LIMITS.attrValue);
      if (out === undefined) continue;
      attrs ??= {};
      attrs[k] = out;
    }
    if (attrs) f.attrs = attrs;
  }
  return f;
}
