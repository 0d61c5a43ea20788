import { PortcullisError, type PortcullisErrorOptions } from '@portcullis/core';

/** Codes of the errors of the metrics module. */
export type MetricsErrorCode = 'ERR_METRICS_UNAUTHORIZED' | 'ERR_METRICS_FORBIDDEN';

/**
 * A scrape of `/metrics` was refused: 401 without a valid bearer token (with
 * `WWW-Authenticate: Bearer`, RFC 6750 section 3), 403 from an address outside the allow-list.
 */
export class MetricsError extends PortcullisError<MetricsErrorCode> {
  constructor(code: MetricsErrorCode, detail: string, options: Omit<PortcullisErrorOptions, 'detail'> = {}) {
    const unauthorized = code === 'ERR_METRICS_UNAUTHORIZED';
    super(
      code,
      unauthorized ? 401 : 403,
      unauthorized
        ? 'Metrics scrape needs a valid bearer token'
        : 'Metrics scrape not allowed from this address',
      {
        ...(unauthorized ? { headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } } : {}),
        ...options,
        detail,
      },
    );
    this.name = 'MetricsError';
  }
}
