import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type ClientAddress,
  type ClientAddressInput,
  type ClientAddressOptions,
  type ClientAddressResolver,
  ConfigError,
  checkOptions,
  createClientAddressResolver,
  type IpNetwork,
  type KnownOptions,
  networkContains,
  parseCidr,
  parseIp,
  readHeader,
} from '@portcullis/core';
import { MetricsError } from './errors.js';
import { negotiateFormat } from './exposition-format.js';
import type { MetricsSource } from './metrics.js';

/** Options of {@link createScrapeHandler}. */
export interface ScrapeHandlerOptions {
  /** What to render: a worker's {@link Metrics} or the cluster primary's aggregator. */
  source: MetricsSource;
  /**
   * Bearer token the scraper must send (`Authorization: Bearer <token>`, RFC 6750 section 2.1).
   * At least 16 characters. With a token and no `allow`, any address may scrape.
   */
  token?: string | undefined;
  /**
   * Addresses allowed to scrape: CIDRs, single addresses, or the names `loopback` and `private`.
   * Default: `['loopback']` when no token is set, so the metrics stay off the public internet
   * (diagnostic endpoints exposed by default are OWASP Top 10 A05:2021 Security Misconfiguration;
   * Prometheus' security model, https://prometheus.io/docs/operating/security/, leaves exporters'
   * protection to the operator); with a token, no address check.
   */
  allow?: readonly string[] | undefined;
  /** How the client address is resolved (proxy trust), or a resolver shared with other modules. */
  clientAddress?: ClientAddressOptions | ClientAddressResolver | undefined;
}

/** A scrape answer: the body to send, or the refusal to send as problem+json. */
export type ScrapeResult =
  | { ok: true; status: 200; contentType: string; body: string }
  | { ok: false; error: MetricsError };

/**
 * What a scrape is judged on: the request's peer and headers, and the client when the app's
 * security context already resolved it (then `clientAddress` is not consulted).
 */
export interface ScrapeRequest extends ClientAddressInput {
  client?: ClientAddress | undefined;
}

/** Authorises and renders one scrape from the request's peer and headers. */
export type ScrapeHandler = (request: ScrapeRequest) => Promise<ScrapeResult>;

/** Minimum token length: 16 characters, well past guessing by a scraper-speed attacker. */
const MIN_TOKEN_LENGTH = 16;

const NAMED: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Builds the framework-free `/metrics` endpoint: checks the bearer token (constant-time, over
 * SHA-256 digests so the length does not leak either) and the address allow-list, then renders
 * Prometheus text or OpenMetrics as the `Accept` header asks.
 *
 * @example
 * ```ts
 * const scrape = createScrapeHandler({ source: metrics, token: process.env.METRICS_TOKEN });
 * const result = await scrape({ remoteAddress: req.socket.remoteAddress, headers: req.headers });
 * ```
 */
export function createScrapeHandler(options: ScrapeHandlerOptions): ScrapeHandler {
  checkOptions('createScrapeHandler', options, {
    source: true,
    token: true,
    allow: true,
    clientAddress: true,
  } satisfies KnownOptions<ScrapeHandlerOptions>);
  const { source, token } = options;
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(`metrics token must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  const expected = token === undefined ? undefined : digest(token);
  const allow = options.allow ?? (token === undefined ? ['loopback'] : undefined);
  const networks: IpNetwork[] | undefined = allow?.flatMap((entry) =>
    (NAMED[entry] ?? [entry]).map((cidr) => {
      const net = parseCidr(cidr);
      if (!net) throw new ConfigError(`metrics allow-list: "${cidr.slice(0, 64)}" is not an address or CIDR`);
      return net;
    }),
  );
  const resolve =
    typeof options.clientAddress === 'function'
      ? options.clientAddress
      : createClientAddressResolver(options.clientAddress);

  return async (request) => {
    if (networks !== undefined) {
      const client = parseIp((request.client ?? resolve(request)).address);
      if (!client || !networks.some((net) => networkContains(net, client))) {
        return {
          ok: false,
          error: new MetricsError('ERR_METRICS_FORBIDDEN', 'address not in the metrics allow-list'),
        };
      }
    }
    if (expected !== undefined) {
      const header = readHeader(request.headers, 'authorization') ?? '';
      const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
      if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
        return {
          ok: false,
          error: match
            ? new MetricsError('ERR_METRICS_UNAUTHORIZED', 'wrong bearer token', { invalidToken: true })
            : new MetricsError(
                'ERR_METRICS_UNAUTHORIZED',
                'no bearer token was sent: send it as "Authorization: Bearer <token>"',
              ),
        };
      }
    }
    const { contentType, body } = await source.scrape(negotiateFormat(readHeader(request.headers, 'accept')));
    return { ok: true, status: 200, contentType, body };
  };
}
