/**
 * RFC 9457 problem details body, sent as `application/problem+json`.
 * Extension members sit beside the standard ones.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string | undefined;
  instance?: string | undefined;
  code: string;
  [extension: string]: unknown;
}

/** Media type of RFC 9457 problem bodies. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Base of the `type` URIs of Portcullis problems; each code has its own page. */
export const PROBLEM_TYPE_BASE = 'https://portcullis.dev/problems/';

/** Options shared by every Portcullis error. */
export interface PortcullisErrorOptions {
  /** Human-readable explanation for this occurrence. Never put secrets or raw user input here. */
  detail?: string | undefined;
  /** HTTP headers an adapter must send with the problem (e.g. `Retry-After`, `WWW-Authenticate`). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Extra members of the problem body (must be safe to show to the client). */
  extensions?: Readonly<Record<string, unknown>> | undefined;
  /** Problem `type` URI; defaults to {@link PROBLEM_TYPE_BASE} + the code in kebab case. */
  type?: string | undefined;
  /** The underlying error, kept for logs; never serialised into the problem body. */
  cause?: unknown;
}

/**
 * The one base class of every error Portcullis throws on purpose.
 *
 * `code` is stable (`ERR_<FAMILY>_<REASON>`, listed in docs/errors.md, never renamed), `status`
 * is the HTTP status an adapter answers with, and {@link PortcullisError.toProblem} gives the
 * RFC 9457 body. Expected outcomes (a request over its limit, a weak password) are returned as
 * decisions, not thrown.
 *
 * @example
 * ```ts
 * try { await verifier.verify(token) }
 * catch (err) {
 *   if (isPortcullisError(err)) reply.status(err.status).headers(err.headers).send(err.toProblem())
 *   else throw err
 * }
 * ```
 */
export class PortcullisError<Code extends string = string> extends Error {
  /** Stable machine-readable code, e.g. `ERR_TOKEN_EXPIRED`. */
  readonly code: Code;
  /** HTTP status an adapter answers with. */
  readonly status: number;
  /** Short, fixed summary of the problem type (the RFC 9457 `title`). */
  readonly title: string;
  /** Headers that must accompany the response. */
  readonly headers: Readonly<Record<string, string>>;
  /** Safe extra members of the problem body. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** Problem type URI. */
  readonly type: string;
  /** Explanation for this occurrence, if any. */
  readonly detail: string | undefined;

  constructor(code: Code, status: number, title: string, options: PortcullisErrorOptions = {}) {
    super(options.detail ? `${title}: ${options.detail}` : title, { cause: options.cause });
    this.name = 'PortcullisError';
    this.code = code;
    this.status = status;
    this.title = title;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
    this.type = options.type ?? problemTypeFor(code);
  }

  /** The RFC 9457 body for this error. The cause and stack are never included. */
  toProblem(instance?: string): ProblemDetails {
    const body: ProblemDetails = {
      ...this.extensions,
      type: this.type,
      title: this.title,
      status: this.status,
      code: this.code,
    };
    if (this.detail !== undefined) body.detail = this.detail;
    if (instance !== undefined) body.instance = instance;
    return body;
  }

  /** Plain-object view for structured logs (no stack, no cause). */
  toJSON(): ProblemDetails {
    return this.toProblem();
  }
}

/** `ERR_TOKEN_EXPIRED` → `https://portcullis.dev/problems/token-expired`. */
export function problemTypeFor(code: string): string {
  return PROBLEM_TYPE_BASE + code.replace(/^ERR_/, '').toLowerCase().replaceAll('_', '-');
}

/** True for any error thrown by a Portcullis module (works across duplicated installs). */
export function isPortcullisError(value: unknown): value is PortcullisError {
  if (value instanceof PortcullisError) return true;
  return (
    value instanceof Error &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { status?: unknown }).status === 'number' &&
    typeof (value as { toProblem?: unknown }).toProblem === 'function'
  );
}

/** Codes of errors raised for configuration mistakes, found at start-up. */
export type ConfigErrorCode = 'ERR_CONFIG_INVALID';

/** A misconfiguration detected when a module is created. Thrown at start-up, never per request. */
export class ConfigError extends PortcullisError<ConfigErrorCode> {
  constructor(detail: string, options: Omit<PortcullisErrorOptions, 'detail'> = {}) {
    super('ERR_CONFIG_INVALID', 500, 'Invalid Portcullis configuration', { ...options, detail });
    this.name = 'ConfigError';
  }
}

/** Codes of errors raised when a backing store cannot answer. */
export type StoreErrorCode = 'ERR_STORE_UNAVAILABLE' | 'ERR_STORE_TIMEOUT';

/**
 * A store (Redis, ...) failed or timed out. Modules map it to their documented failure policy;
 * if it reaches an adapter it is a 503 with `Retry-After`.
 */
export class StoreError extends PortcullisError<StoreErrorCode> {
  constructor(code: StoreErrorCode, detail: string, options: Omit<PortcullisErrorOptions, 'detail'> = {}) {
    super(code, 503, 'A backing store is unavailable', {
      headers: { 'Retry-After': '5' },
      ...options,
      detail,
    });
    this.name = 'StoreError';
  }
}

/** Codes of errors raised for malformed request input that no module more specific owns. */
export type InputErrorCode = 'ERR_INPUT_INVALID' | 'ERR_INPUT_TOO_LARGE';

/** Malformed or oversized input from the client: 400 or 413, never a 500. */
export class InputError extends PortcullisError<InputErrorCode> {
  constructor(code: InputErrorCode, detail: string, options: Omit<PortcullisErrorOptions, 'detail'> = {}) {
    super(code, code === 'ERR_INPUT_TOO_LARGE' ? 413 : 400, 'Invalid request input', {
      ...options,
      detail,
    });
    this.name = 'InputError';
  }
}

/**
 * The 4xx status a framework put on its own client error (body-parser's malformed JSON or
 * oversized body in Express, Fastify's `FST_ERR_CTP_*`, http-errors), or undefined. Such errors
 * describe the client's input, so they keep their status instead of becoming a 500.
 */
export function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || isPortcullisError(error)) return undefined;
  const e = error as { status?: unknown; statusCode?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : e.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499)
    return undefined;
  return status;
}

const CLIENT_ERROR_DETAIL: Readonly<Record<number, string>> = {
  400: 'the request could not be parsed',
  413: 'the request body is larger than this endpoint accepts',
  415: 'the request body has a media type this endpoint does not accept',
};

/**
 * The problem body and headers for any thrown value: a Portcullis error keeps its own status;
 * a framework's own 4xx client error becomes `ERR_INPUT_TOO_LARGE` (413) or `ERR_INPUT_INVALID`
 * with its status (the framework's message is not echoed: it can quote the client's bytes);
 * anything else becomes an opaque 500 whose message is never shown to the client.
 */
export function toProblemResponse(
  error: unknown,
  instance?: string,
): { status: number; headers: Record<string, string>; body: ProblemDetails } {
  const clientStatus = clientErrorStatus(error);
  if (clientStatus !== undefined) {
    const code: InputErrorCode = clientStatus === 413 ? 'ERR_INPUT_TOO_LARGE' : 'ERR_INPUT_INVALID';
    const body: ProblemDetails = {
      type: problemTypeFor(code),
      title: 'Invalid request input',
      status: clientStatus,
      code,
      detail: CLIENT_ERROR_DETAIL[clientStatus] ?? 'the request was refused',
    };
    if (instance !== undefined) body.instance = instance;
    return { status: clientStatus, headers: { 'content-type': PROBLEM_CONTENT_TYPE }, body };
  }
  if (isPortcullisError(error)) {
    return {
      status: error.status,
      headers: { ...error.headers, 'content-type': PROBLEM_CONTENT_TYPE },
      body: error.toProblem(instance),
    };
  }
  const body: ProblemDetails = {
    type: 'about:blank',
    title: 'Internal Server Error',
    status: 500,
    code: 'ERR_INTERNAL',
  };
  if (instance !== undefined) body.instance = instance;
  return { status: 500, headers: { 'content-type': PROBLEM_CONTENT_TYPE }, body };
}
