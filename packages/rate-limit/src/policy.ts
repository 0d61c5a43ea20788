import {
  type ClientAddress,
  type ClientAddressInput,
  type ClientAddressOptions,
  type ClientAddressResolver,
  ConfigError,
  checkOptions,
  createClientAddressResolver,
  describeValue,
  isResolvedClient,
  type KnownOptions,
  type RateLimitAlgorithm,
  type RateLimitQuota,
  requireOption,
} from '@portcullis/core';
import { RateLimitExceededError } from './errors.js';
import { type RateLimitHeaderOptions, rateLimitHeaders } from './headers.js';
import { rateLimitKey } from './keys.js';
import {
  type ConsumeContext,
  createStoreGuard,
  type DecisionSource,
  STORE_GUARD_OPTIONS,
  type StoreFailurePolicy,
  type StoreGuardOptions,
  validateQuota,
} from './limiter.js';
import { compilePathPattern, normalisePath, type PathMatcher } from './match.js';

/** What the policy needs to know of a request; adapters fill it. */
export interface RateLimitRequest {
  /** HTTP method. */
  method: string;
  /** Request path (a query string, if any, is ignored). */
  path: string;
  /**
   * The client: already resolved by the app's security context (what the adapters pass), or the
   * socket peer and headers, resolved by the policy's own `clientAddress` option.
   */
  client: ClientAddressInput | ClientAddress;
  /** Authenticated user id, for rules keyed by `user`. */
  userId?: string | undefined;
}

/** How a rule keys its counters. */
export type RateLimitKeySource =
  | 'ip'
  | 'user'
  | ((request: RateLimitRequest, clientKey: string) => string | undefined);

/** One row of the policy table. */
export interface RateLimitRule {
  /** Name in headers, events and keys: letters, digits, `_.:-`, at most 64 characters. */
  id: string;
  /** Method(s) matched, case-insensitive. Absent: any method. */
  method?: string | readonly string[] | undefined;
  /** Path pattern (`/auth/login`, `/users/:id`, `/api/*`). Absent: any path. */
  path?: string | undefined;
  /** Default `sliding-window` (no 2x burst at a window edge). */
  algorithm?: RateLimitAlgorithm | undefined;
  /** Requests per window. */
  limit: number;
  windowMs: number;
  /**
   * Counter key: `ip` (core's client key, IPv6 grouped by /64; default), `user` (the
   * request's `userId`, falling back to the client key when absent), or a function
   * (returning `undefined` falls back to the client key).
   */
  key?: RateLimitKeySource | undefined;
  /** Cost of one request. Default 1. */
  cost?: number | undefined;
  /** Store-failure policy. Default `local`. */
  onStoreFailure?: StoreFailurePolicy | undefined;
  /** Header options, or `false` for no rate-limit headers at all. Default: draft-10 headers only. */
  headers?: RateLimitHeaderOptions | false | undefined;
}

/** A rule table: first match wins, then the default rule (unknown routes and 404s included). */
export interface RateLimitRules {
  rules: readonly RateLimitRule[];
  /** Applies to every request no rule matched. Its `method` and `path` are ignored. */
  defaultRule: RateLimitRule;
}

/** Options of {@link createRateLimitPolicy}. */
export interface RateLimitPolicyOptions extends RateLimitRules, StoreGuardOptions {
  /** Client address resolution (trusted proxies, IPv6 prefix), or a prebuilt resolver. Default: socket address only. */
  clientAddress?: ClientAddressOptions | ClientAddressResolver | undefined;
  /** Match paths case-sensitively. Default false (Express and Fastify route case-insensitively). */
  caseSensitive?: boolean | undefined;
}

/** What every decision carries, allowed or not. */
interface RateLimitDecisionBase {
  /** Id of the rule that applied. */
  readonly rule: string;
  readonly limit: number;
  readonly remaining: number;
  readonly resetMs: number;
  readonly retryAfterMs: number;
  /** Where the decision came from (`local` or `open` while the store is down). */
  readonly source: DecisionSource;
  /** Headers to send with the response, allowed or not. */
  readonly headers: Readonly<Record<string, string>>;
  /** The resolved client address. */
  readonly clientAddress: string;
}

/** The outcome for one request: admitted, or refused with the 429 problem to send. */
export type RateLimitDecision =
  | (RateLimitDecisionBase & { readonly allowed: true; readonly error: undefined })
  | (RateLimitDecisionBase & {
      readonly allowed: false;
      /** The 429 problem to send (`status`, `headers`, `toProblem()`). */
      readonly error: RateLimitExceededError;
    });

declare module '@portcullis/core' {
  interface PortcullisRequestState {
    /** The rate-limit decision of the request, set by the global middleware. */
    rateLimit?: RateLimitDecision | undefined;
  }
}

/** A compiled policy. */
export interface RateLimitPolicy {
  /**
   * Decides one request. Returns a decision (refusals included); throws `StoreError` (503)
   * only when the store fails under a `closed` rule.
   */
  check(request: RateLimitRequest): Promise<RateLimitDecision>;
  /** The rule a request would hit. */
  match(method: string, path: string): string;
}

interface CompiledRule {
  readonly id: string;
  readonly methods: ReadonlySet<string> | undefined;
  readonly path: PathMatcher | undefined;
  readonly quota: RateLimitQuota;
  readonly key: RateLimitKeySource;
  readonly cost: number;
  readonly ctx: Omit<ConsumeContext, 'clientAddress' | 'userId'>;
  readonly headerRule: {
    id: string;
    limit: number;
    windowMs: number;
    headers: RateLimitHeaderOptions | false;
  };
}

const RULE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

const RULE_OPTIONS = {
  id: true,
  method: true,
  path: true,
  algorithm: true,
  limit: true,
  windowMs: true,
  key: true,
  cost: true,
  onStoreFailure: true,
  headers: true,
} as const satisfies KnownOptions<RateLimitRule>;

const POLICY_OPTIONS = {
  ...STORE_GUARD_OPTIONS,
  rules: true,
  defaultRule: true,
  clientAddress: true,
  caseSensitive: true,
} as const satisfies KnownOptions<RateLimitPolicyOptions>;

/** What express-rate-limit and rate-limiter-flexible users write for a rule's fields. */
const PEER_RULE_NAMES = { max: 'limit', points: 'limit', duration: 'windowMs', keyGenerator: 'key' } as const;

const DEFAULT_RULE_HINT =
  "the rule for every request no other rule matches, e.g. { id: 'default', limit: 120, windowMs: 60_000 } (or spread LOGIN_HEALTH_DEFAULT_ZONES)";

function compileRule(rule: RateLimitRule, isDefault: boolean, caseSensitive: boolean): CompiledRule {
  const where = isDefault ? 'createRateLimitPolicy: defaultRule' : 'createRateLimitPolicy: a rule';
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule))
    throw new ConfigError(
      `${where} must be an object { id, limit, windowMs, ... }, got ${describeValue(rule)}`,
    );
  checkOptions(
    isDefault ? where : `createRateLimitPolicy: rule "${String(rule.id).slice(0, 64)}"`,
    rule,
    RULE_OPTIONS,
    PEER_RULE_NAMES,
  );
  if (!RULE_ID.test(rule.id))
    throw new ConfigError(`rule id "${String(rule.id).slice(0, 70)}" must match ${RULE_ID}`);
  const quota: RateLimitQuota = {
    algorithm: rule.algorithm ?? 'sliding-window',
    limit: rule.limit,
    windowMs: rule.windowMs,
  };
  validateQuota(rule.id, quota);
  const cost = rule.cost ?? 1;
  if (!Number.isInteger(cost) || cost < 1 || cost > rule.limit)
    throw new ConfigError(`rule "${rule.id}": cost must be an integer from 1 to limit`);
  const onStoreFailure = rule.onStoreFailure ?? 'local';
  if (!['closed', 'local', 'open'].includes(onStoreFailure))
    throw new ConfigError(`rule "${rule.id}": onStoreFailure must be closed, local or open`);
  const methods =
    isDefault || rule.method === undefined
      ? undefined
      : new Set((typeof rule.method === 'string' ? [rule.method] : rule.method).map((m) => m.toUpperCase()));
  return {
    id: rule.id,
    methods,
    path: isDefault || rule.path === undefined ? undefined : compilePathPattern(rule.path, caseSensitive),
    quota,
    key: rule.key ?? 'ip',
    cost,
    ctx: { rule: rule.id, onStoreFailure },
    headerRule: { id: rule.id, limit: rule.limit, windowMs: rule.windowMs, headers: rule.headers ?? {} },
  };
}

/**
 * Compiles a declarative policy table into a per-request check. The core of the rate-limit
 * module: adapters call `check` and copy the result onto the response.
 *
 * @example
 * ```ts
 * const policy = createRateLimitPolicy({
 *   ...LOGIN_HEALTH_DEFAULT_ZONES,
 *   store: createRedisRateLimitStore({ client: redis }),
 *   clientAddress: { trustProxy: ['loopback'] },
 *   events,
 * });
 * const d = await policy.check({ method: 'POST', path: '/auth/login', client: { remoteAddress, headers } });
 * if (!d.allowed) send(d.error.status, d.error.headers, d.error.toProblem());
 * ```
 */
export function createRateLimitPolicy(options: RateLimitPolicyOptions): RateLimitPolicy {
  checkOptions('createRateLimitPolicy', options, POLICY_OPTIONS);
  requireOption(
    'createRateLimitPolicy',
    options ?? {},
    'rules',
    'the list of rules, first match wins ([] for none but the default)',
  );
  if (!Array.isArray(options.rules))
    throw new ConfigError(
      `createRateLimitPolicy: rules must be an array of rules, got ${describeValue(options.rules)}`,
      {
        option: 'rules',
      },
    );
  requireOption('createRateLimitPolicy', options, 'defaultRule', DEFAULT_RULE_HINT);
  const caseSensitive = options.caseSensitive ?? options.context?.caseSensitivePaths ?? false;
  const rules = options.rules.map((r) => compileRule(r, false, caseSensitive));
  const ids = new Set<string>();
  for (const r of [...rules, { id: options.defaultRule.id }]) {
    if (ids.has(r.id)) throw new ConfigError(`duplicate rule id "${r.id}"`);
    ids.add(r.id);
  }
  const fallbackRule = compileRule(options.defaultRule, true, caseSensitive);
  const resolver: ClientAddressResolver =
    typeof options.clientAddress === 'function'
      ? options.clientAddress
      : options.clientAddress === undefined && options.context !== undefined
        ? options.context.clientAddress
        : createClientAddressResolver(options.clientAddress ?? {});
  const resolve = (client: ClientAddressInput | ClientAddress): ClientAddress =>
    isResolvedClient(client) ? client : resolver(client);
  const guard = createStoreGuard(options);
  const clock = guard.clock;

  const find = (method: string, path: string): CompiledRule => {
    const m = method.toUpperCase();
    const p = normalisePath(path, caseSensitive);
    for (const r of rules) {
      if (r.methods !== undefined && !r.methods.has(m)) continue;
      if (r.path !== undefined && !r.path(p)) continue;
      return r;
    }
    return fallbackRule;
  };

  return {
    match: (method, path) => find(method, path).id,
    async check(request) {
      const rule = find(request.method, request.path);
      const client = resolve(request.client);
      let subject: string | undefined;
      let kind = 'ip';
      if (rule.key === 'user') {
        if (request.userId !== undefined && request.userId !== '') {
          subject = request.userId;
          kind = 'user';
        }
      } else if (typeof rule.key === 'function') {
        subject = rule.key(request, client.key);
        kind = 'fn';
      }
      if (subject === undefined) {
        subject = client.key;
        kind = 'ip';
      }
      const key = rateLimitKey(rule.id, kind, subject);
      const state = await guard.consume(key, rule.quota, rule.cost, {
        ...rule.ctx,
        clientAddress: client.address,
        userId: kind === 'user' ? subject : undefined,
      });
      const headers = rateLimitHeaders(rule.headerRule, state, key, clock.now());
      const base: RateLimitDecisionBase = {
        rule: rule.id,
        limit: rule.quota.limit,
        remaining: state.remaining,
        resetMs: state.resetMs,
        retryAfterMs: state.retryAfterMs,
        source: state.source,
        headers,
        clientAddress: client.address,
      };
      return state.allowed
        ? { ...base, allowed: true, error: undefined }
        : {
            ...base,
            allowed: false,
            error: new RateLimitExceededError(rule.id, state.retryAfterMs, headers),
          };
    },
  };
}
