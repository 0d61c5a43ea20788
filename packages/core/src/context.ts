import {
  type ClientAddress,
  type ClientAddressInput,
  type ClientAddressOptions,
  type ClientAddressResolver,
  createClientAddressResolver,
  type TrustProxy,
} from './client-address.js';
import { type Clock, systemClock } from './clock.js';
import { ConfigError } from './errors.js';
import { createEventBus, type EventBus } from './events.js';
import { type HeaderSource, readHeader } from './headers.js';
import { checkOptions, type KnownOptions } from './options.js';
import { requestPath } from './request-path.js';
import { socketlessRuntime } from './runtime.js';
import { emitPortcullisWarning } from './warning.js';

/**
 * What Portcullis stashes on a request, typed. Each module adds its own field by declaration
 * merging (`declare module '@portcullis/core' { interface PortcullisRequestState { ... } }`),
 * so an adapter that stores the wrong thing under `rateLimit` or `auth` fails to compile.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each module.
export interface PortcullisRequestState {}

/** Options of {@link createSecurityContext}. */
export interface SecurityContextOptions extends ClientAddressOptions {
  /**
   * Where the peer address comes from on runtimes that give no socket address (Cloudflare
   * Workers, some edge hosts): the header the platform itself writes and clients cannot set,
   * e.g. `cf-connecting-ip` or `fly-client-ip`. Only set it where the platform guarantees it;
   * anywhere else a client could choose its own address.
   */
  clientAddressHeader?: string | undefined;
  /** The bus modules publish on and audit and metrics subscribe to. Default: a new bus. */
  events?: EventBus | undefined;
  clock?: Clock | undefined;
  /** Match paths case-sensitively. Default false (Express routes case-insensitively). */
  caseSensitivePaths?: boolean | undefined;
}

/** What an adapter reads of its framework's request, once per request. */
export interface SecurityRequestInput {
  method: string;
  /**
   * The path the framework routes, from the framework's own parse of the request target
   * (Express's `parseurl`, Fastify's `request.url`, Hono's `c.req.path`).
   */
  routedPath: string;
  headers: HeaderSource;
  /** The socket peer, when the runtime has one. */
  remoteAddress: string | undefined;
}

/** Core's neutral request: what every module decides on, whatever the framework. */
export interface SecurityRequest {
  readonly method: string;
  /** The canonical path ({@link requestPath}): what rules match and what metrics and audit name. */
  readonly path: string;
  /** The routed path as the framework saw it, for the problem `instance` member. */
  readonly instance: string;
  readonly headers: HeaderSource;
  /** The client, resolved once by the context's one trust configuration. */
  readonly client: ClientAddress;
  /** What the Portcullis pieces decided for this request so far. */
  readonly state: PortcullisRequestState;
}

/** The one security context of an app. Build it once; give it to every module and adapter. */
export interface SecurityContext {
  readonly events: EventBus;
  readonly clock: Clock;
  readonly caseSensitivePaths: boolean;
  /** The one client-address resolver of the app. */
  readonly clientAddress: ClientAddressResolver;
  /** The configured platform header, if any (see {@link SecurityContextOptions.clientAddressHeader}). */
  readonly clientAddressHeader: string | undefined;
  /** True when `trustProxy` was set when the context was built (or adopted since). */
  readonly trustProxyConfigured: boolean;
  /** Resolves a client from a socket peer and headers, or passes an already resolved one through. */
  resolveClient(client: ClientAddressInput | ClientAddress): ClientAddress;
  /** The canonical path of a routed path. */
  requestPath(routedPath: string): string;
  /** Builds the neutral request (adapters call it once per request). */
  request(input: SecurityRequestInput): SecurityRequest;
  /**
   * Takes a framework's own proxy trust (Express's `trust proxy`) as the app's one trust
   * configuration, when the context was built without `trustProxy`. Returns false (and changes
   * nothing) when the context already has its own: the context wins, and says so once.
   */
  adoptTrustProxy(trust: TrustProxy, from: string): boolean;
}

/** True for a client the resolver already produced (it has a `key`). */
export function isResolvedClient(client: ClientAddressInput | ClientAddress): client is ClientAddress {
  return typeof (client as ClientAddress).key === 'string';
}

const CONTEXT_OPTIONS = {
  trustProxy: true,
  proxyHeader: true,
  ipv6PrefixLength: true,
  ipv4PrefixLength: true,
  clientAddressHeader: true,
  events: true,
  clock: true,
  caseSensitivePaths: true,
} as const satisfies KnownOptions<SecurityContextOptions>;

/**
 * Builds an app's security context: one client-address trust configuration, one canonical
 * request path, one event bus. Modules created with `{ context }` and the adapters' one-call
 * `portcullis({ context })` share it, so no two pieces can disagree about who the client is,
 * which route a request is, or where an event goes.
 *
 * @example
 * ```ts
 * const context = createSecurityContext({ trustProxy: ['loopback'] }); // behind nginx on this host
 * const metrics = createMetrics({ context });
 * app.use(portcullis({ context, rateLimit: LOGIN_HEALTH_DEFAULT_ZONES, metrics }));
 * ```
 */
export function createSecurityContext(options: SecurityContextOptions = {}): SecurityContext {
  checkOptions('createSecurityContext', options, CONTEXT_OPTIONS);
  const addressOptions: ClientAddressOptions = {
    trustProxy: options.trustProxy,
    proxyHeader: options.proxyHeader,
    ipv6PrefixLength: options.ipv6PrefixLength,
    ipv4PrefixLength: options.ipv4PrefixLength,
  };
  const clock = options.clock ?? systemClock;
  const events = options.events ?? createEventBus({ clock });
  const caseSensitivePaths = options.caseSensitivePaths ?? false;
  const header = options.clientAddressHeader?.toLowerCase();
  if (header !== undefined && !/^[a-z0-9-]{1,64}$/.test(header))
    throw new ConfigError(`clientAddressHeader "${String(header).slice(0, 70)}" is not a header name`);
  if (header === 'x-forwarded-for' || header === 'forwarded')
    throw new ConfigError(
      `clientAddressHeader cannot be ${header}: clients write it. Set trustProxy to read it from trusted proxies`,
    );
  let trustConfigured = options.trustProxy !== undefined;
  let resolver = createClientAddressResolver(addressOptions);
  let warned = false;

  const resolveClient = (client: ClientAddressInput | ClientAddress): ClientAddress => {
    if (isResolvedClient(client)) return client;
    if (header !== undefined && client.remoteAddress === undefined) {
      return resolver({ remoteAddress: readHeader(client.headers, header), headers: client.headers });
    }
    return resolver(client);
  };

  const context: SecurityContext = {
    events,
    clock,
    caseSensitivePaths,
    clientAddress: (input) => resolveClient(input),
    clientAddressHeader: header,
    get trustProxyConfigured() {
      return trustConfigured;
    },
    resolveClient,
    requestPath: (p) => requestPath(p, caseSensitivePaths),
    request(input) {
      const client = resolveClient({ remoteAddress: input.remoteAddress, headers: input.headers });
      let instance: string | undefined;
      return {
        method: input.method,
        path: requestPath(input.routedPath, caseSensitivePaths),
        // Only a problem answer needs it: escaped on first use, not on every request.
        get instance() {
          instance ??= instanceOf(input.routedPath);
          return instance;
        },
        headers: input.headers,
        client,
        state: {},
      };
    },
    adoptTrustProxy(trust, from) {
      if (trustConfigured) {
        if (!warned) {
          warned = true;
          emitPortcullisWarning(
            `${from} sets its own proxy trust; the Portcullis security context's trustProxy is used instead (one trust configuration for every module)`,
          );
        }
        return false;
      }
      resolver = createClientAddressResolver({ ...addressOptions, trustProxy: trust });
      trustConfigured = true;
      return true;
    },
  };
  return context;
}

/** The problem `instance` of a routed path: no query or fragment (they can carry tokens), bounded. */
function instanceOf(routedPath: string): string {
  const cut = routedPath.search(/[?#]/);
  let path = cut === -1 ? routedPath : routedPath.slice(0, cut);
  if (path.length > 512) path = path.slice(0, 512);
  // Only URI path characters go back to the client: anything else is percent-encoded.
  return path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (ch) =>
    Array.from(new TextEncoder().encode(ch), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(
      '',
    ),
  );
}

const noAddressSource = (where: string) =>
  new ConfigError(
    `${where} gives no socket address, so every client would share one rate-limit bucket: pass remoteAddress: (c) => getConnInfo(c).remote.address to portcullis(), or createSecurityContext({ clientAddressHeader: 'cf-connecting-ip' }) where the platform writes that header`,
  );

/**
 * The start-up check of an adapter on a runtime that may have no socket address: on Bun, Deno or
 * Workers, without a peer source of the adapter's (`hasPeerSource`) or a platform header on the
 * context, it throws a ConfigError naming the fix; a client is never keyed as `unknown` silently.
 * Returns what to call when a request arrives without an address anyway: it warns once.
 */
export function requireClientAddressSource(context: SecurityContext, hasPeerSource: boolean): () => void {
  const configured = hasPeerSource || context.clientAddressHeader !== undefined;
  const runtime = socketlessRuntime();
  if (runtime !== undefined && !configured) throw noAddressSource(runtime);
  let warned = configured;
  return () => {
    if (warned) return;
    warned = true;
    emitPortcullisWarning(noAddressSource('This runtime').message);
  };
}

/** The context given, or a new default one (socket peer only, a fresh bus). */
export function contextOf(context: SecurityContext | undefined): SecurityContext {
  return context ?? createSecurityContext();
}

/**
 * Returns `value`, or throws the ConfigError that names what to configure. The one check every
 * adapter's one-call entry uses when a route asks for a module that was not given.
 */
export function need<T>(value: T | undefined, name: string): T {
  if (value === undefined)
    throw new ConfigError(`portcullis: ${name} is not configured (pass it to portcullis({ ${name} }))`);
  return value;
}
