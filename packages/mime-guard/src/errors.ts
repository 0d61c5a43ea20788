import { PortcullisError, type PortcullisErrorOptions } from '@portcullis/core';

/** Stable codes of upload rejections (listed in docs/errors.md). */
export type MimeGuardErrorCode =
  | 'ERR_MIME_NOT_ALLOWED'
  | 'ERR_MIME_EXECUTABLE'
  | 'ERR_MIME_MISMATCH'
  | 'ERR_MIME_BAD_FILENAME'
  | 'ERR_MIME_UNSAFE_CONTENT'
  | 'ERR_MIME_EMPTY'
  | 'ERR_MIME_TOO_LARGE'
  | 'ERR_MIME_TRUNCATED'
  | 'ERR_MIME_TOO_MANY_FILES';

const STATUS: Readonly<Record<MimeGuardErrorCode, number>> = {
  // RFC 9110 §15.5.16: 415 is the status for a payload in a format the resource does not support.
  ERR_MIME_NOT_ALLOWED: 415,
  ERR_MIME_EXECUTABLE: 415,
  // RFC 4918 §11.2 / RFC 9110 §15.5.21: well-formed request whose content cannot be processed.
  ERR_MIME_MISMATCH: 422,
  ERR_MIME_BAD_FILENAME: 422,
  ERR_MIME_UNSAFE_CONTENT: 422,
  ERR_MIME_EMPTY: 422,
  // RFC 9110 §15.5.14: content larger than the server is willing to process.
  ERR_MIME_TOO_LARGE: 413,
  ERR_MIME_TRUNCATED: 413,
  ERR_MIME_TOO_MANY_FILES: 413,
};

const TITLE: Readonly<Record<MimeGuardErrorCode, string>> = {
  ERR_MIME_NOT_ALLOWED: 'File type not allowed',
  ERR_MIME_EXECUTABLE: 'Executable files are not accepted',
  ERR_MIME_MISMATCH: 'File type does not match its declared type or name',
  ERR_MIME_BAD_FILENAME: 'Unacceptable file name',
  ERR_MIME_UNSAFE_CONTENT: 'File content is unsafe',
  ERR_MIME_EMPTY: 'Empty file',
  ERR_MIME_TOO_LARGE: 'File too large',
  ERR_MIME_TRUNCATED: 'File upload truncated',
  ERR_MIME_TOO_MANY_FILES: 'Too many files',
};

/**
 * An upload the guard refused. `status` is 415 (type not allowed, executable), 422 (mismatch,
 * bad name, unsafe content, empty) or 413 (too large, truncated, too many files). The problem
 * body carries only safe members: the allowed types, the detected type id, the file's index and
 * an escaped name, never the raw client-supplied name.
 */
export class MimeGuardError extends PortcullisError<MimeGuardErrorCode> {
  constructor(
    code: MimeGuardErrorCode,
    detail: string,
    options: Omit<PortcullisErrorOptions, 'detail'> = {},
  ) {
    super(code, STATUS[code], TITLE[code], { ...options, detail });
    this.name = 'MimeGuardError';
  }
}

/** True for a {@link MimeGuardError} (also across duplicated installs, by its code family). */
export function isMimeGuardError(value: unknown): value is MimeGuardError {
  if (value instanceof MimeGuardError) return true;
  return (
    value instanceof Error &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (value as unknown as { code: string }).code.startsWith('ERR_MIME_') &&
    typeof (value as { toProblem?: unknown }).toProblem === 'function'
  );
}
