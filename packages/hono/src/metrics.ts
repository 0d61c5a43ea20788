import { metricsKit } from '@portcullis/http';
import type { Metrics, ScrapeHandlerOptions } from '@portcullis/metrics';
import type { Handler, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { clientAddressInput, problemResponse, requestState } from './http.js';

/**
 * Measures every request into `metrics`. The duration ends when the downstream handlers have
 * produced the `Response`; a streamed body that is still being written is not included
 * (Hono hands the stream to the runtime after this middleware returns). Mount it first.
 *
 * @example
 * ```ts
 * app.use(metricsMiddleware(metrics));
 * app.get('/metrics', metricsHandler({ source: metrics, token: process.env.METRICS_TOKEN }));
 * ```
 */
export function metricsMiddleware(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const startedAt = metrics.startRequest();
    const self = c.req.routeIndex;
    let status: number | undefined;
    try {
      await next();
    } catch (err) {
      status = 500;
      throw err;
    } finally {
      // The route that answered; our own index means only middleware matched (a 404).
      const index = c.req.routeIndex;
      const route = index === self ? undefined : matchedRoutes(c)[index]?.path;
      metrics.endRequest(startedAt, c.req.method, route, status ?? c.res.status);
    }
  };
}

/** Options of the Hono {@link metricsHandler}. */
export interface HonoMetricsHandlerOptions extends ScrapeHandlerOptions {
  /** The peer address when not on @hono/node-server (e.g. from `getConnInfo`). */
  remoteAddress?: ((c: Parameters<Handler>[0]) => string | undefined) | undefined;
}

/**
 * The `/metrics` handler: Prometheus text (or OpenMetrics when asked), guarded by a bearer
 * token or an address allow-list (loopback only by default). Refusals are problem+json.
 */
export function metricsHandler(options: HonoMetricsHandlerOptions): Handler {
  const scrape = metricsKit(options.source, 'source').createScrapeHandler(options);
  return async (c) => {
    const result = await scrape(clientAddressInput(c, options.remoteAddress?.(c)));
    requestState(c).metrics = { scrape: result.ok ? 'served' : result.error.code };
    if (!result.ok) return problemResponse(result.error, c.req.path);
    return c.body(result.body, 200, {
      'Content-Type': result.contentType,
      'Cache-Control': 'no-store',
      Vary: 'Accept',
    });
  };
}
