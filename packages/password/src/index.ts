export {
  type BreachCheck,
  type BreachProvider,
  createHibpBreachProvider,
  createOfflineBreachProvider,
  findInRange,
  type HibpBreachProviderOptions,
  type OfflineBreachProviderOptions,
  sha1Hex,
} from './breach.js';
export {
  PasswordError,
  type PasswordErrorCode,
  PasswordHashError,
  PasswordPolicyError,
  ResetThrottledError,
  ResetTokenError,
} from './errors.js';
export {
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  needsRehash,
  type ParsedPasswordHash,
  parsePasswordHash,
  type ScryptParams,
  verifyPassword,
} from './hash.js';
export {
  checkPasswordRequest,
  type PasswordPolicyFields,
  type PasswordRequestInput,
  type PasswordRouteAnswer,
  resetConfirmAnswer,
  resetRequestAnswer,
} from './http-input.js';
export { PASSWORD_KIT as moduleKit, type PasswordKit } from './kit.js';
export {
  type ConsoleMailerOptions,
  createConsoleMailer,
  createSmtpMailer,
  DEFAULT_RESET_TEMPLATES,
  type Mailer,
  type MailMessage,
  type ResetMailTemplate,
  type ResetMailVars,
  type SmtpMailerOptions,
} from './mailer.js';
export {
  createMemoryResetTokenStore,
  type MemoryResetTokenStoreOptions,
} from './memory-reset-token-store.js';
export {
  failureMessage,
  PASSWORD_CATALOGS,
  PASSWORD_LOCALES,
  type PasswordCatalog,
  type PasswordLocale,
  type PasswordSuggestionCode,
  pickLocale,
  suggestionMessage,
  ZXCVBN_SUGGESTIONS,
} from './messages.js';
export {
  BACKLOG_POLICY,
  type BreachOutcome,
  type CheckOutcome,
  COMPOSITION_POLICY,
  type CompositionRule,
  NIST_POLICY,
  PASSWORD_POLICIES,
  type PasswordFailure,
  type PasswordFailureCode,
  type PasswordPolicy,
  type PasswordPolicyPreset,
  resolvePolicy,
} from './policy.js';
export {
  assertResetCompleted,
  createPasswordReset,
  type PasswordReset,
  type PasswordResetOptions,
  type ResetConfirmInput,
  type ResetConfirmResult,
  type ResetRateLimiter,
  type ResetRequestInput,
  type ResetRequestResult,
  type ResetUser,
  type UserTokenRevoker,
} from './reset.js';
export {
  createMemoryResetLimiter,
  DEFAULT_RESET_PER_ACCOUNT,
  DEFAULT_RESET_PER_IP,
  type MemoryResetLimiterOptions,
} from './reset-throttle.js';
export {
  hashVerifier,
  type MintedResetToken,
  mintResetToken,
  type ParsedResetToken,
  parseResetToken,
  verifierMatches,
} from './reset-token.js';
export {
  codePointLength,
  createPasswordValidator,
  normalizePassword,
  type PasswordCheckResult,
  type PasswordContext,
  type PasswordValidator,
  type PasswordValidatorOptions,
} from './validator.js';
