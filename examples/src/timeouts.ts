/**
 * The demo servers' bounds on slow clients (slow uploads, slowloris), from REQUEST_TIMEOUT_MS
 * and HEADERS_TIMEOUT_MS: shared by the three flavours so they cut a slow client off alike.
 */
import type { DemoConfig } from './config.ts';

/** The `node:http` server options the demo sets (all in ms). */
export interface ServerTimeouts {
  requestTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
}

/**
 * Node's request and header timeouts for the demo's servers (Express and Hono's node-server
 * take them here; Fastify through its own `requestTimeout` and `http` options). Node checks
 * them every `connectionsCheckingInterval` (30 s by default, so a 1 s timeout could take 31 s):
 * a quarter of the shorter timeout here, so a slow client is cut off within 1.25x the bound.
 */
export function serverTimeouts(
  config: Pick<DemoConfig, 'requestTimeoutMs' | 'headersTimeoutMs'>,
): ServerTimeouts {
  return {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
    connectionsCheckingInterval: Math.max(25, Math.floor(config.headersTimeoutMs / 4)),
  };
}
