import { PortcullisError, type PortcullisErrorOptions } from '@portcullis/core';

/** Codes of the errors the audit module throws. */
export type AuditErrorCode =
  | 'ERR_AUDIT_QUEUE_FULL'
  | 'ERR_AUDIT_CLOSED'
  | 'ERR_AUDIT_WRITE_FAILED'
  | 'ERR_AUDIT_INPUT_INVALID';

const TITLES: Readonly<Record<AuditErrorCode, string>> = {
  ERR_AUDIT_QUEUE_FULL: 'The audit queue is full',
  ERR_AUDIT_CLOSED: 'The audit log is closed',
  ERR_AUDIT_WRITE_FAILED: 'The audit log could not be written',
  ERR_AUDIT_INPUT_INVALID: 'Invalid audit record',
};

/**
 * An audit record could not be accepted or persisted. A 503 for the queue and sink failures (the
 * request may be retried once the disk recovers); a 500 for a programming mistake in the input.
 */
export class AuditError extends PortcullisError<AuditErrorCode> {
  constructor(code: AuditErrorCode, detail: string, options: Omit<PortcullisErrorOptions, 'detail'> = {}) {
    const status = code === 'ERR_AUDIT_INPUT_INVALID' ? 500 : 503;
    super(code, status, TITLES[code], {
      ...(status === 503 ? { headers: { 'Retry-After': '1' } } : {}),
      ...options,
      detail,
    });
    this.name = 'AuditError';
  }
}
