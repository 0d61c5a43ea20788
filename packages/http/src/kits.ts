/**
 * The one place the adapters reach module code: through the instance the app built with the
 * module (core's module kit). Nothing here imports a module at run time, so `@portcullis/http`
 * and the adapters load, install and bundle without any module; an instance not built by its
 * module (or a module not installed) is a ConfigError `ERR_CONFIG_MODULE_MISSING` naming the
 * package, thrown when the piece is asked for.
 */

import type { AuditKit } from '@portcullis/audit';
import { requireModuleKit } from '@portcullis/core';
import type { MetricsKit } from '@portcullis/metrics';
import type { MimeGuardKit } from '@portcullis/mime-guard';
import type { PasswordKit } from '@portcullis/password';
import type { RateLimitKit } from '@portcullis/rate-limit';
import type { TokensKit } from '@portcullis/tokens';

/** The tokens kit of a token service or verifier. */
export function tokensKit(tokens: unknown, option = 'tokens'): TokensKit {
  return requireModuleKit(
    tokens,
    option,
    '@portcullis/tokens',
    'build it with createTokenService or createTokenVerifier',
  );
}

/** The password kit of a validator or reset flow. */
export function passwordKit(instance: unknown, option: string): PasswordKit {
  return requireModuleKit(
    instance,
    option,
    '@portcullis/password',
    'build it with createPasswordValidator or createPasswordReset',
  );
}

/** The mime-guard kit of a guard. */
export function mimeGuardKit(guard: unknown, option = 'uploads.guard'): MimeGuardKit {
  return requireModuleKit(guard, option, '@portcullis/mime-guard', 'build it with createMimeGuard');
}

/** The audit kit of an audit log. */
export function auditKit(audit: unknown, option = 'audit'): AuditKit {
  return requireModuleKit(audit, option, '@portcullis/audit', 'build it with createAuditLog');
}

/** The metrics kit of a metrics source. */
export function metricsKit(source: unknown, option = 'metrics'): MetricsKit {
  return requireModuleKit(
    source,
    option,
    '@portcullis/metrics',
    'build it with createMetrics (or createClusterAggregator)',
  );
}

/** The rate-limit kit of a rule table. */
export function rateLimitKit(table: unknown, option = 'rateLimit'): RateLimitKit {
  return requireModuleKit(
    table,
    option,
    '@portcullis/rate-limit',
    'give a preset such as LOGIN_HEALTH_DEFAULT_ZONES, a table wrapped in rateLimitRules(...), or createRateLimitPolicy(...)',
  );
}
