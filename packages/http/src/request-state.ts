/**
 * The typed request state: what each Portcullis piece stashes on a request, declared on core's
 * `PortcullisRequestState` so that every adapter reads and writes the same typed fields.
 */
import type { FileAccessInput } from '@portcullis/audit';
import type { StoredUpload } from '@portcullis/mime-guard';
import type { PasswordCheckResult, ResetConfirmResult } from '@portcullis/password';
import type { AccessTokenClaims } from '@portcullis/tokens';

/** What the uploads piece stashes: every stored file and the text fields of the form. */
export interface UploadsState<R = unknown> {
  files: StoredUpload<R>[];
  /** Text fields of the form (a null-prototype object). */
  fields: Record<string, string>;
}

declare module '@portcullis/core' {
  interface PortcullisRequestState {
    /** Claims of the verified access token (requireAuth). */
    auth?: AccessTokenClaims | undefined;
    /** Result of the password policy of a set/change route. */
    password?: PasswordCheckResult | undefined;
    /** Outcome of a reset request or confirm. */
    passwordReset?: { requested: true } | ResetConfirmResult | undefined;
    /** Files stored by the uploads piece. */
    uploads?: UploadsState | undefined;
    /** The file access being audited. */
    audit?: Omit<FileAccessInput, 'outcome'> | undefined;
    /** What the `/metrics` handler answered. */
    metrics?: { scrape: string } | undefined;
    /** Start of the request in the metrics clock, set by the global middleware. */
    startedAt?: number | undefined;
  }
}
