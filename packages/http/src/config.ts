import type { AuditLog } from '@portcullis/audit';
import type { SecurityContext, SecurityRequest } from '@portcullis/core';
import type { Metrics, ScrapeHandlerOptions } from '@portcullis/metrics';
import type { MimeGuard } from '@portcullis/mime-guard';
import type { PasswordReset, PasswordValidator } from '@portcullis/password';
import type { RateLimitPolicy, RateLimitRules } from '@portcullis/rate-limit';
import type { AccessTokenVerifier, TokenService } from '@portcullis/tokens';

/** Where the access token is read from besides `Authorization: Bearer`. */
export interface TokenTransportOptions {
  /** Also read (and, when sending a token pair, set) the access token in this `__Host-` cookie. */
  cookie?: string | undefined;
}

/** The `/metrics` endpoint of the one-call setup. */
export interface ScrapeOptions extends Partial<ScrapeHandlerOptions> {
  /**
   * The path `metricsHandler` is mounted on. Default `/metrics`. Requests to it are outside rate
   * limiting (its guard refuses other clients before anything is rendered), so a Prometheus
   * pair scraping every second never sees a 429.
   */
  path?: string | undefined;
  /** Rate-limit scrapes like any other route (they fall in the policy's matching rule). Default false. */
  rateLimited?: boolean | undefined;
}

/**
 * The one configuration of every adapter's one-call `portcullis()`: the app's security context
 * and the modules already built. Every field is optional and only what is given is wired.
 * `Uploads` is the adapter's own upload options (where files are stored).
 */
export interface PortcullisConfig<Uploads extends object = object> {
  /**
   * The app's security context (client-address trust, canonical paths, event bus). Default: a
   * new one that trusts no proxy. Build it once with `createSecurityContext` and give it to the
   * modules too, so that their events reach audit and metrics.
   */
  context?: SecurityContext | undefined;
  /**
   * Rate limiting of every request: a rule table (built on the context, e.g. `LOGIN_HEALTH_DEFAULT_ZONES`), or
   * a policy from `createRateLimitPolicy`. Either way the client is the one the context resolved.
   */
  rateLimit?: RateLimitPolicy | RateLimitRules | undefined;
  /**
   * What `requireAuth` verifies with: the token service, or a resource-server verifier
   * (`createTokenVerifier`, tokens from your identity provider).
   */
  tokens?: TokenService | AccessTokenVerifier | undefined;
  /** Where the access token is read from besides `Authorization: Bearer`. */
  tokenOptions?: TokenTransportOptions | undefined;
  /** Measures every request; `metricsHandler` serves it. */
  metrics?: Metrics | undefined;
  /** The `/metrics` endpoint: token, allow-list, path; `source` defaults to `metrics`. */
  scrape?: ScrapeOptions | undefined;
  /** Validator behind `passwordPolicy()`. */
  passwordValidator?: PasswordValidator | undefined;
  /** Reset flow behind `passwordResetRequest` / `passwordResetConfirm`. */
  passwordReset?: PasswordReset | undefined;
  /** MIME guard and storage behind `uploads`. */
  uploads?: ({ guard: MimeGuard } & Uploads) | undefined;
  /** Audit log behind `auditFile()`. */
  audit?: Pick<AuditLog, 'fileAccessAfterResponse'> | undefined;
  /**
   * Called with every error the error handler does not own (a bug, a database down): the client
   * gets an opaque 500, this gets the error. Default: the framework's logger (Fastify's
   * `request.log`), or `console.error`.
   */
  onError?: ((error: unknown, request: SecurityRequest | undefined) => void) | undefined;
}
