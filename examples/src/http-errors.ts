/**
 * The frameworks' own client errors (malformed JSON, body over the limit) as Portcullis input
 * errors, so they keep their 4xx status in problem+json instead of becoming an opaque 500.
 */
import { InputError, isPortcullisError } from '@portcullis/core';

/** Maps a framework's 4xx error to an InputError; anything else is returned unchanged. */
export function asClientError(err: unknown): unknown {
  if (isPortcullisError(err) || typeof err !== 'object' || err === null) return err;
  const e = err as { status?: unknown; statusCode?: unknown; message?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : e.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return err;
  // The framework's message describes the client's own input (e.g. "Unexpected token"); no internals.
  const detail = typeof e.message === 'string' ? e.message.slice(0, 200) : 'bad request';
  return new InputError(status === 413 ? 'ERR_INPUT_TOO_LARGE' : 'ERR_INPUT_INVALID', detail, { cause: err });
}
