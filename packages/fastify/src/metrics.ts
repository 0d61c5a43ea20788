import { metricsKit } from '@portcullis/http';
import type { Metrics, ScrapeHandlerOptions } from '@portcullis/metrics';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { clientAddressInput, requestState, sendProblem } from './http.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Start time of the request in the metrics clock; `NaN` once recorded. */
    portcullisMetricsStart: number;
  }
}

/** Options of {@link portcullisMetrics}. */
export interface PortcullisMetricsPluginOptions {
  metrics: Metrics;
}

const plugin: FastifyPluginCallback<PortcullisMetricsPluginOptions> = (fastify, options, done) => {
  const { metrics } = options;
  const end = (request: FastifyRequest, status: number, errorType?: string) => {
    const startedAt = request.portcullisMetricsStart;
    if (Number.isNaN(startedAt)) return;
    request.portcullisMetricsStart = Number.NaN;
    // routeOptions.url is the route template (`/users/:id`); undefined for the 404 handler.
    metrics.endRequest(startedAt, request.method, request.routeOptions.url, status, errorType);
  };
  fastify.decorateRequest('portcullisMetricsStart', Number.NaN);
  fastify.addHook('onRequest', (request, _reply, next) => {
    request.portcullisMetricsStart = metrics.startRequest();
    next();
  });
  // onResponse runs once the response has been sent, not when the handler returns.
  fastify.addHook('onResponse', (request, reply, next) => {
    end(request, reply.statusCode);
    next();
  });
  fastify.addHook('onRequestAbort', (request, next) => {
    // No reply went out: status 0 is labelled `_OTHER`.
    end(request, 0, 'aborted');
    next();
  });
  done();
};

/**
 * Fastify plugin measuring every request of the instance into `metrics`
 * (`http_server_request_duration_seconds`, `http_server_active_requests`).
 *
 * @example
 * ```ts
 * await app.register(portcullisMetrics, { metrics });
 * app.get('/metrics', metricsHandler({ source: metrics, token: process.env.METRICS_TOKEN }));
 * ```
 */
export const portcullisMetrics: FastifyPluginCallback<PortcullisMetricsPluginOptions> = fp(plugin, {
  fastify: '5.x',
  name: '@portcullis/fastify/metrics',
});

/**
 * The `/metrics` route handler: Prometheus text (or OpenMetrics when asked), guarded by a bearer
 * token or an address allow-list (loopback only by default). Refusals are problem+json.
 */
export function metricsHandler(
  options: ScrapeHandlerOptions,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const scrape = metricsKit(options.source, 'source').createScrapeHandler(options);
  return async (request, reply) => {
    const result = await scrape(clientAddressInput(request));
    requestState(request).metrics = { scrape: result.ok ? 'served' : result.error.code };
    if (!result.ok) return sendProblem(reply, result.error, request.url.split('?')[0]);
    return reply
      .code(200)
      .headers({ 'content-type': result.contentType, 'cache-control': 'no-store', vary: 'Accept' })
      .send(result.body);
  };
}
