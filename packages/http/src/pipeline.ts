import {
  ConfigError,
  checkOptions,
  createSecurityContext,
  type DescribedError,
  describeError,
  describeValue,
  findModuleKit,
  isPortcullisError,
  type KnownOptions,
  need,
  requireOption,
  type SecurityContext,
  type SecurityRequest,
  type SecurityRequestInput,
} from '@portcullis/core';
import type { Metrics, ScrapeResult } from '@portcullis/metrics';
import type { RateLimitPolicy, RateLimitRules } from '@portcullis/rate-limit';
import type { PortcullisConfig, ScrapeOptions, TokenTransportOptions } from './config.js';
import { metricsKit, rateLimitKit } from './kits.js';
import './request-state.js';

/** How a request ended, as the adapter saw it. */
export interface RequestEnd {
  /** The status sent; 0 when the connection closed before any response head went out. */
  status: number;
  /** The template of the route that answered (`/users/:id`), undefined when none did. */
  route: string | undefined;
  /** False when the connection closed before the response was fully handed over. */
  completed: boolean;
}

/** What the global middleware does with a request: let it through with headers, or refuse it. */
export interface Admission {
  /** Headers for the response, whatever it is (the rate-limit headers). */
  readonly headers: Readonly<Record<string, string>>;
  /** The problem to answer instead of routing (429, or 503 when a `closed` rule's store is down). */
  readonly refusal: DescribedError | undefined;
}

/**
 * The framework-neutral pipeline behind every adapter's one-call `portcullis()`: the adapter
 * builds the neutral request once with `begin`, asks `admit` before routing, reports `end`, and
 * turns errors into responses with `describe`. Every decision is made here or in the modules;
 * an adapter only translates.
 */
export interface PortcullisPipeline<Uploads extends object = object> {
  readonly context: SecurityContext;
  readonly config: PortcullisConfig<Uploads>;
  readonly rateLimit: RateLimitPolicy | undefined;
  readonly metrics: Metrics | undefined;
  /** The canonical path of the `/metrics` endpoint. */
  readonly scrapePath: string;
  /** Builds the neutral request and starts measuring it. Call once per request. */
  begin(input: SecurityRequestInput): SecurityRequest;
  /** The rate-limit decision for the request (scrapes of `scrapePath` are exempt unless configured). */
  admit(request: SecurityRequest, userId?: string): Promise<Admission>;
  /** Records the end of the request (metrics). A request refused before routing has no route. */
  end(request: SecurityRequest, end: RequestEnd): void;
  /** Authorises and renders a scrape for the request's client. Throws a ConfigError without metrics. */
  scrape(request: SecurityRequest): Promise<ScrapeResult>;
  /**
   * The response for any error, reported to `onError` (or `fallbackLog`) when the client must not
   * see it and an operator must: unexpected errors are never silent.
   */
  describe(
    error: unknown,
    request: SecurityRequest | undefined,
    fallbackLog?: (error: unknown) => void,
  ): DescribedError;
}

/** Every key of the one config; each adapter adds its own (`remoteAddress` on Hono). */
const CONFIG_OPTIONS = {
  context: true,
  rateLimit: true,
  tokens: true,
  tokenOptions: true,
  metrics: true,
  scrape: true,
  passwordValidator: true,
  passwordReset: true,
  uploads: true,
  audit: true,
  onError: true,
} as const satisfies KnownOptions<PortcullisConfig>;

const SCRAPE_OPTIONS = {
  source: true,
  token: true,
  allow: true,
  clientAddress: true,
  path: true,
  rateLimited: true,
} as const satisfies KnownOptions<ScrapeOptions>;

/**
 * The one start-up check of `portcullis({ ... })` on every framework: a misspelt key
 * (`rateLimits`, `metric`) would leave the app without that protection and without a word, so it
 * is a ConfigError naming the key and the nearest valid one. Nested option objects too.
 */
function checkConfig(config: PortcullisConfig<object>, adapterOptions: Readonly<Record<string, true>>): void {
  checkOptions('portcullis', config, { ...CONFIG_OPTIONS, ...adapterOptions });
  if (config === undefined) return;
  if (config.scrape !== undefined) checkOptions('portcullis: scrape', config.scrape, SCRAPE_OPTIONS);
  if (config.tokenOptions !== undefined)
    checkOptions('portcullis: tokenOptions', config.tokenOptions, {
      cookie: true,
    } satisfies KnownOptions<TokenTransportOptions>);
  const { rateLimit, uploads } = config;
  if (rateLimit !== undefined && (typeof rateLimit !== 'object' || rateLimit === null))
    throw new ConfigError(
      `portcullis: rateLimit must be a rule table (e.g. LOGIN_HEALTH_DEFAULT_ZONES) or a policy from createRateLimitPolicy, got ${describeValue(rateLimit)}`,
      { option: 'rateLimit' },
    );
  if (uploads !== undefined)
    requireOption(
      'portcullis: uploads',
      uploads,
      'guard',
      'the MIME guard that inspects every file, from createMimeGuard()',
    );
}

function isPolicy(value: RateLimitPolicy | RateLimitRules): value is RateLimitPolicy {
  return typeof (value as RateLimitPolicy).check === 'function';
}

/**
 * The policy of the `rateLimit` option: given, or compiled from a rule table by the rate-limit
 * module the table carries (core's module kit; `@portcullis/http` imports no module code).
 */
function policyOf(given: RateLimitPolicy | RateLimitRules, context: SecurityContext): RateLimitPolicy {
  if (isPolicy(given)) return given;
  return rateLimitKit(given).createRateLimitPolicy({ ...given, context });
}

/** Logs what the app must see when it gave no `onError` and the framework has no logger. */
const consoleLog = (error: unknown) => {
  console.error('portcullis: unhandled error', error);
};

/**
 * Builds the pipeline from the one config. Fails at start-up with a ConfigError naming the
 * option when the configuration cannot work.
 *
 * @example
 * ```ts
 * const pipeline = createPortcullisPipeline({ context, rateLimit: LOGIN_HEALTH_DEFAULT_ZONES, metrics });
 * const request = pipeline.begin({ method, routedPath, headers, remoteAddress });
 * const { headers, refusal } = await pipeline.admit(request);
 * ```
 */
export function createPortcullisPipeline<Uploads extends object = object>(
  given: PortcullisConfig<Uploads>,
  adapterOptions: Readonly<Record<string, true>> = {},
): PortcullisPipeline<Uploads> {
  checkConfig(given, adapterOptions);
  const config = given ?? {};
  const context = config.context ?? createSecurityContext();
  const rateLimit = config.rateLimit === undefined ? undefined : policyOf(config.rateLimit, context);
  const metrics = config.metrics;
  const { path: _path, rateLimited: _rateLimited, ...scrapeOptions } = config.scrape ?? {};
  const source = scrapeOptions.source ?? metrics;
  // A custom scrape source (one the app wrote) is served with the kit of the metrics it was given.
  const scrapeHandler =
    source &&
    metricsKit(
      findModuleKit(source) ? source : (metrics ?? source),
      config.scrape?.source ? 'scrape.source' : 'metrics',
    ).createScrapeHandler({ ...scrapeOptions, clientAddress: context.clientAddress, source });
  const scrapePath = context.requestPath(config.scrape?.path ?? '/metrics');
  const exemptScrapes = config.scrape?.rateLimited !== true;
  const onError = config.onError;
  // Requests answered by the global middleware itself (429, or 503 for a `closed` rule's store).
  const refusedBeforeRouting = new WeakSet<SecurityRequest>();

  return {
    context,
    config,
    rateLimit,
    metrics,
    scrapePath,
    begin(input) {
      const request = context.request(input);
      if (metrics) request.state.startedAt = metrics.startRequest();
      return request;
    },
    async admit(request, userId) {
      if (!rateLimit || (exemptScrapes && request.path === scrapePath))
        return { headers: {}, refusal: undefined };
      let decision: Awaited<ReturnType<RateLimitPolicy['check']>>;
      try {
        decision = await rateLimit.check({
          method: request.method,
          path: request.path,
          client: request.client,
          userId,
        });
      } catch (err) {
        if (!isPortcullisError(err)) throw err;
        refusedBeforeRouting.add(request);
        return { headers: {}, refusal: describeError(err, request.instance) };
      }
      request.state.rateLimit = decision;
      if (!decision.allowed) refusedBeforeRouting.add(request);
      return {
        headers: decision.headers,
        refusal: decision.allowed ? undefined : describeError(decision.error, request.instance),
      };
    },
    end(request, end) {
      const startedAt = request.state.startedAt;
      if (!metrics || startedAt === undefined) return;
      request.state.startedAt = undefined;
      // Refused before routing: no route answered, whatever the framework knows of the path.
      const route = refusedBeforeRouting.has(request) ? undefined : end.route;
      metrics.endRequest(startedAt, request.method, route, end.status, end.completed ? undefined : 'aborted');
    },
    async scrape(request) {
      const handler = need(scrapeHandler, 'metrics');
      const result = await handler({
        remoteAddress: undefined,
        headers: request.headers,
        client: request.client,
      });
      request.state.metrics = { scrape: result.ok ? 'served' : result.error.code };
      return result;
    },
    describe(error, request, fallbackLog) {
      const described = describeError(error, request?.instance);
      if (described.internal) {
        try {
          if (onError) onError(error, request);
          else (fallbackLog ?? consoleLog)(error);
        } catch {
          // A failing logger must not turn an error response into a crash.
        }
      }
      return described;
    },
  };
}
