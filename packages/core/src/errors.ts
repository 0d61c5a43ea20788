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

/**
 * Codes of errors raised for configuration mistakes, found at start-up. `ERR_CONFIG_MODULE_MISSING`:
 * a piece was asked for whose module package is not installed (its detail names the package).
 */
export type ConfigErrorCode = 'ERR_CONFIG_INVALID' | 'ERR_CONFIG_MODULE_MISSING';

/** Options of a {@link ConfigError}: the option at fault, and the valid name it was probably meant to be. */
export interface ConfigErrorOptions extends Omit<PortcullisErrorOptions, 'detail'> {
  /** The option name at fault (an unknown key, or a required one that is missing). */
  option?: string | undefined;
  /** For an unknown key: the nearest valid option name, when one is close. */
  suggestion?: string | undefined;
}

/**
 * A misconfiguration detected when a module is created. Thrown at start-up, never per request.
 * `detail` says what is wrong and how to fix it; `option` and `suggestion` name the key at fault
 * and the nearest valid one (`portcullis({ rateLimits })` → `rateLimits`, `rateLimit`).
 */
export class ConfigError extends PortcullisError<ConfigErrorCode> {
  /** The option name at fault, when the error is about one key. */
  readonly option: string | undefined;
  /** The nearest valid option name, for an unknown key that looks like a typo. */
  readonly suggestion: string | undefined;

  constructor(detail: string, options: ConfigErrorOptions & { code?: ConfigErrorCode | undefined } = {}) {
    const { option, suggestion, code = 'ERR_CONFIG_INVALID', ...rest } = options;
    super(code, 500, 'Invalid Portcullis configuration', { ...rest, detail });
    this.name = 'ConfigError';
    this.option = option;
    this.suggestion = suggestion;
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
export type InputErrorCode = 'ERR_INPUT_INVALID' | 'ERR_INPUT_TOO_LARGE' | 'ERR_INPUT_MEDIA_TYPE';

const INPUT_STATUS: Readonly<Record<InputErrorCode, number>> = {
  ERR_INPUT_INVALID: 400,
  ERR_INPUT_TOO_LARGE: 413,
  ERR_INPUT_MEDIA_TYPE: 415,
};

/**
 * True for a JSON media type (`application/json`, `application/problem+json`, any `+json`),
 * parameters ignored. A JSON route sent anything else answers 415 `ERR_INPUT_MEDIA_TYPE` on every
 * framework: a cross-site form post (`text/plain`, `application/x-www-form-urlencoded`) needs no
 * CORS preflight, so parsing it as JSON whatever its type would open the route to CSRF.
 */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(type);
}

/**
 * The 415 for a JSON route whose request carries a body of another media type, or undefined.
 * The one check the three adapters apply before reading a JSON route's body.
 */
export function jsonBodyError(contentType: string | undefined, hasBody: boolean): InputError | undefined {
  if (!hasBody || isJsonMediaType(contentType)) return undefined;
  return new InputError('ERR_INPUT_MEDIA_TYPE', 'this endpoint accepts application/json bodies only');
}

/** Malformed or oversized input from the client: 400, 413 or 415, never a 500. */
export class InputError extends PortcullisError<InputErrorCode> {
  constructor(code: InputErrorCode, detail: string, options: Omit<PortcullisErrorOptions, 'detail'> = {}) {
    super(code, INPUT_STATUS[code], 'Invalid request input', {
      ...options,
      detail,
    });
    this.name = 'InputError';
  }
}

/**
 * The 4xx status a framework or the app put on its own client error (body-parser's malformed
 * JSON or oversized body in Express, Fastify's `FST_ERR_*`, http-errors' `createError(403)`), or
 * undefined. Such errors describe the client's request, so they keep their status instead of
 * becoming a 500.
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

/** Standard reason phrases for the 4xx statuses an app is likely to throw. */
const STATUS_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
};

/** A public message is cut here: an app's own message is meant for the client, but bounded. */
const MAX_PUBLIC_MESSAGE = 500;

/** Who raised a 4xx error that is not a Portcullis one. */
type ClientErrorKind = 'parser' | 'validation' | 'app';

function clientErrorKind(error: object): ClientErrorKind {
  const e = error as { type?: unknown; code?: unknown; validation?: unknown };
  // body-parser and raw-body tag their errors with a `type` (`entity.parse.failed`, ...).
  if (typeof e.type === 'string' && /^(entity|encoding|charset|request|stream|parameters)\./.test(e.type))
    return 'parser';
  // JSON.parse's own error, wherever a parser let it out with a 400.
  if (error instanceof SyntaxError) return 'parser';
  if (Array.isArray(e.validation)) return 'validation';
  // Fastify's own content-type, body and URL errors: their messages can quote the client's bytes.
  if (typeof e.code === 'string' && e.code.startsWith('FST_')) return 'parser';
  return 'app';
}

/** A described error: the response to send, and whether the app's logger must see it. */
export interface DescribedError {
  status: number;
  headers: Record<string, string>;
  body: ProblemDetails;
  /**
   * True for what the client must not see the details of and an operator must: an unexpected
   * error (a bug, a database down), a 5xx. Adapters hand it to the framework's logger or the
   * app's `onError`.
   */
  internal: boolean;
}

/**
 * Describes any thrown value as a problem response:
 * - a Portcullis error keeps its own status, headers and body;
 * - a body parser's 4xx (malformed JSON, body too large, bad media type) becomes
 *   `ERR_INPUT_TOO_LARGE` (413) or `ERR_INPUT_INVALID` with its status; the parser's message is not
 *   echoed (it can quote the client's bytes);
 * - a schema validation error (Fastify's `validation`) is `ERR_INPUT_INVALID` 400 with its message;
 * - an app's own HTTP error (`createError(403, 'You may not see invoice 42')`, any error with a
 *   4xx `status` whose `expose` is not false) keeps its status and public message, code
 *   `ERR_HTTP_<status>`;
 * - anything else is an opaque 500, never with its message or stack, and is
 *   marked `internal` for the logs.
 */
export function describeError(error: unknown, instance?: string): DescribedError {
  const headers = { 'content-type': PROBLEM_CONTENT_TYPE };
  const withInstance = (body: ProblemDetails): ProblemDetails => {
    if (instance !== undefined) body.instance = instance;
    return body;
  };
  if (isPortcullisError(error)) {
    return {
      status: error.status,
      headers: { ...error.headers, ...headers },
      body: error.toProblem(instance),
      internal:
        error.status >= 500 && error.code !== 'ERR_STORE_UNAVAILABLE' && error.code !== 'ERR_STORE_TIMEOUT',
    };
  }
  const clientStatus = clientErrorStatus(error);
  if (clientStatus !== undefined) {
    const kind = clientErrorKind(error as object);
    const e = error as { message?: unknown; expose?: unknown };
    const message = typeof e.message === 'string' ? e.message.slice(0, MAX_PUBLIC_MESSAGE) : undefined;
    if (kind === 'app' && e.expose !== false) {
      const body: ProblemDetails = {
        type: 'about:blank',
        title: STATUS_TITLES[clientStatus] ?? 'Client Error',
        status: clientStatus,
        code: `ERR_HTTP_${clientStatus}`,
      };
      if (message) body.detail = message;
      return { status: clientStatus, headers, body: withInstance(body), internal: false };
    }
    const code: InputErrorCode =
      clientStatus === 413
        ? 'ERR_INPUT_TOO_LARGE'
        : clientStatus === 415
          ? 'ERR_INPUT_MEDIA_TYPE'
          : 'ERR_INPUT_INVALID';
    const detail =
      kind === 'validation' && message
        ? message
        : (CLIENT_ERROR_DETAIL[clientStatus] ?? 'the request was refused');
    const body: ProblemDetails = {
      type: problemTypeFor(code),
      title: 'Invalid request input',
      status: clientStatus,
      code,
      detail,
    };
    return { status: clientStatus, headers, body: withInstance(body), internal: false };
  }
  // A foreign 5xx says nothing the client may see, and its status may be a driver's: a plain 500.
  const status = 500;
  const body: ProblemDetails = {
    type: 'about:blank',
    title: 'Internal Server Error',
    status,
    code: 'ERR_INTERNAL',
  };
  return { status, headers, body: withInstance(body), internal: true };
}

/**
 * The problem body and headers for any thrown value ({@link describeError} without the
 * logging flag).
 */
export function toProblemResponse(
  error: unknown,
  instance?: string,
): { status: number; headers: Record<string, string>; body: ProblemDetails } {
  const { status, headers, body } = describeError(error, instance);
  return { status, headers, body };
}
