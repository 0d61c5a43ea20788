import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '@portcullis/core';
import { createRecordSigner } from './hmac.js';
import type { LineBuffer } from './line-buffer.js';
import { type AuditFields, type AuditRecord, canonicalBody, canonicalize } from './record.js';

/** `}`: the byte that closes a record's signed body. */
const CLOSING_BRACE = 0x7d;

/** `prev` of the first record of a chain. */
export const GENESIS = '0'.repeat(64);

/** An HMAC key with its id (the id is written in every record so keys can rotate). */
export interface AuditKey {
  /** Key id written as `kid`; short and stable, e.g. `audit-2026-01`. */
  kid: string;
  /**
   * At least 32 random bytes (HMAC-SHA256 key length, RFC 2104 section 3). Keep it out of the
   * machine that writes the log if you can: whoever holds it can rewrite the chain.
   */
  secret: Uint8Array | KeyObject;
}

/** Minimum HMAC key length in bytes: the hash output length (RFC 2104 section 3). */
export const MIN_KEY_BYTES = 32;

/** Builds the secret KeyObject of an {@link AuditKey}, refusing short keys and odd ids. */
export function importAuditKey(key: AuditKey): KeyObject {
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(key.kid))
    throw new ConfigError('audit key id must match [A-Za-z0-9._:-]{1,64}');
  const k = key.secret instanceof Uint8Array ? createSecretKey(key.secret) : key.secret;
  if (k.type !== 'secret' || (k.symmetricKeySize ?? 0) < MIN_KEY_BYTES)
    throw new ConfigError(`audit HMAC key must be a secret of at least ${MIN_KEY_BYTES} bytes`);
  return k;
}

/** HMAC-SHA256 of a record's canonical form, hex. */
export function recordHmac(key: KeyObject, fields: AuditFields, kid: string, prev: string): string {
  return createHmac('sha256', key)
    .update(canonicalize(fields, kid, prev))
    .digest('hex');
}

/** A sealed record and its JSON line (without the newline). */
export interface SealedRecord {
  record: AuditRecord;
  line: string;
}

/** The chain state: seals records one after the other. */
export interface Chain {
  /**
   * Seals the next record: adds `kid`, `prev`, `hmac` to `fields` (which becomes the record) and
   * serialises its line once. With `out`, the line is also appended to it as UTF-8 with its
   * newline, and the HMAC is computed over those bytes (the string is encoded once).
   */
  seal(fields: AuditFields, out?: LineBuffer): SealedRecord;
  /** `hmac` of the last sealed record (GENESIS before the first). */
  readonly last: string;
  readonly lastSeq: number;
}

/** A chain continuing after `prev` (GENESIS for a new one); `key: null` writes an unchained log. */
export function createChain(key: AuditKey | null, prev = GENESIS): Chain {
  const secret = key ? importAuditKey(key) : null;
  const sign = secret ? createRecordSigner(secret) : null;
  const kid = key ? key.kid : 'none';
  let last = prev;
  let lastSeq = 0;
  return {
    seal(fields, out) {
      const prev = secret ? last : '';
      const body = canonicalBody(fields, kid, prev);
      let hmac = '';
      if (out !== undefined) {
        const bytes = out.append(body);
        if (sign) hmac = sign(bytes, CLOSING_BRACE);
        out.append(`,"hmac":"${hmac}"}\n`);
      } else if (sign) hmac = sign(Buffer.from(`${body}}`));
      if (sign) last = hmac;
      lastSeq = fields.seq;
      // The fields object becomes the record (no copy per record on the write path).
      const record: AuditRecord = Object.assign(fields, { kid, prev, hmac });
      return { record, line: `${body},"hmac":"${hmac}"}` };
    },
    get last() {
      return last;
    },
    get lastSeq() {
      return lastSeq;
    },
  };
}
