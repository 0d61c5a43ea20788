/**
 * Label values that an attacker can influence are folded here into small, fixed sets, so that no
 * request can mint a new time series (Prometheus naming guidance: "do not use labels to store
 * dimensions with high cardinality", https://prometheus.io/docs/practices/naming/#labels).
 */

/** Route label of every request no route template matched (404s, scanners). */
export const UNMATCHED_ROUTE = '__unmatched__';

/** Value every label takes once a metric has spent its series budget. */
export const OVERFLOW_LABEL = '__overflow__';

/** Method label of every method outside {@link KNOWN_HTTP_METHODS} (OTel HTTP semantic conventions). */
export const OTHER_METHOD = '_OTHER';

/**
 * The methods kept as label values: RFC 9110 section 9 plus PATCH (RFC 5789), the default set
 * of the OpenTelemetry HTTP semantic conventions (`http.request.method`). Methods are
 * case-sensitive (RFC 9110 section 9.1), so `get` is `_OTHER`.
 */
export const KNOWN_HTTP_METHODS: readonly string[] = Object.freeze([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

const METHODS: ReadonlySet<string> = new Set(KNOWN_HTTP_METHODS);

/** The `http_request_method` label of a request method. */
export function normalizeMethod(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : OTHER_METHOD;
}

/** The `http_route` label: the framework's route template, or {@link UNMATCHED_ROUTE}. */
export function normalizeRoute(route: string | undefined): string {
  return route === undefined || route === '' ? UNMATCHED_ROUTE : route;
}

/** The `http_response_status_code` label: a three-digit status, else `_OTHER`. */
export function normalizeStatus(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER_METHOD;
}

/**
 * The `error_type` label, after the OTel conventions: the explicit type when the adapter knows
 * one (`aborted`), else the status code for server errors (5xx), else empty (no error).
 */
export function errorTypeOf(status: number, errorType?: string | undefined): string {
  if (errorType !== undefined && errorType !== '') return errorType;
  return Number.isInteger(status) && status >= 500 && status <= 599 ? String(status) : '';
}
