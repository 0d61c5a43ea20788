import { metricsKit } from '@portcullis/http';
import type { Metrics, ScrapeHandlerOptions } from '@portcullis/metrics';
import type { RequestHandler } from 'express';
import { clientAddressInput, requestState, routeOf, sendProblem } from './http.js';

/**
 * Measures every request into `metrics`: in flight from now, observed in
 * `http_server_request_duration_seconds` when the response has been fully handed to the OS or
 * the connection closed first (`error_type="aborted"`). Mount it first.
 *
 * @example
 * ```ts
 * const metrics = createMetrics({ events });
 * app.use(metricsMiddleware(metrics));
 * app.get('/metrics', metricsHandler({ source: metrics, token: process.env.METRICS_TOKEN }));
 * ```
 */
export function metricsMiddleware(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const startedAt = metrics.startRequest();
    // Node emits 'close' once per response, after 'finish' or on an abort: one listener covers both.
    res.once('close', () => {
      if (res.writableFinished) metrics.endRequest(startedAt, req.method, routeOf(req), res.statusCode);
      // Aborted: the status is only real if the head went out; 0 is labelled `_OTHER`.
      else
        metrics.endRequest(
          startedAt,
          req.method,
          routeOf(req),
          res.headersSent ? res.statusCode : 0,
          'aborted',
        );
    });
    next();
  };
}

/**
 * The `/metrics` endpoint: Prometheus text (or OpenMetrics when asked), guarded by a bearer
 * token or an address allow-list (loopback only by default). Refusals are problem+json.
 *
 * @example
 * ```ts
 * app.get('/metrics', metricsHandler({ source: metrics, token: process.env.METRICS_TOKEN }));
 * ```
 */
export function metricsHandler(options: ScrapeHandlerOptions): RequestHandler {
  const scrape = metricsKit(options.source, 'source').createScrapeHandler(options);
  return async (req, res, next) => {
    try {
      const result = await scrape(clientAddressInput(req));
      requestState(req).metrics = { scrape: result.ok ? 'served' : result.error.code };
      if (!result.ok) {
        sendProblem(res, result.error, req.originalUrl.split('?')[0]);
        return;
      }
      res
        .status(200)
        .set({ 'Content-Type': result.contentType, 'Cache-Control': 'no-store', Vary: 'Accept' })
        .send(result.body);
    } catch (err) {
      next(err);
    }
  };
}
