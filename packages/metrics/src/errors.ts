import { PortcullisError, type PortcullisErrorOptions } from '@portcullis/core';

/** Codes of the errors of the metrics module. */
export type MetricsErrorCode = 'ERR_METRICS_UNAUTHORIZED' | 'ERR_METRICS_FORBIDDEN';

/** Options of {@link MetricsError}. */
export interface MetricsErrorOptions extends Omit<PortcullisErrorOptions, 'detail'> {
  /**
   * A bearer token was sent but is not the right one: the challenge carries
   * `error="invalid_token"` (RFC 6750 section 3.1). Without credentials it stays bare.
   */
  invalidToken?: boolean | undefined;
}

/**
 * A scrape of `/metrics` was refused: 401 without a valid bearer token (with
 * `WWW-Authenticate: Bearer realm="metrics"`, and `error="invalid_token"` when a wrong token
 * was sent, RFC 6750 section 3), 403 from an address outside the allow-list.
 */
export class MetricsError extends PortcullisError<MetricsErrorCode> {
  constructor(code: MetricsErrorCode, detail: string, options: MetricsErrorOptions = {}) {
    const { invalidToken, ...rest } = options;
    const unauthorized = code === 'ERR_METRICS_UNAUTHORIZED';
    const challenge = `Bearer realm="metrics"${invalidToken ? ', error="invalid_token"' : ''}`;
    super(
      code,
      unauthorized ? 401 : 403,
      unauthorized
        ? 'Metrics scrape needs a valid bearer token'
        : 'Metrics scrape not allowed from this address',
      {
        ...(unauthorized ? { headers: { 'WWW-Authenticate': challenge } } : {}),
        ...rest,
        detail,
      },
    );
    this.name = 'MetricsError';
  }
}
