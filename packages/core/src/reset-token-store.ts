/**
 * What a password-reset token store keeps for one outstanding token. The verifier is never
 * stored, only its hash (OWASP Forgot Password Cheat Sheet: "store the token hashed").
 */
export interface ResetTokenRecord {
  /** Id of the account the token resets. */
  readonly userId: string;
  /** Hex SHA-256 of the verifier half of the token. */
  readonly verifierHash: string;
  /** Expiry, ms since the epoch; enforced by the caller with its injected clock. */
  readonly expiresAt: number;
  /** Locale chosen when the reset was requested (mail and messages). */
  readonly locale?: string | undefined;
}

/**
 * The store contract behind the password-reset flow: memory (embedded default) and Redis
 * implement it, and both run the same contract suite. Every method is atomic; there is no
 * get-then-delete pair that two concurrent confirms could both pass.
 *
 * @example
 * ```ts
 * const sel = taggedSelector('u1', randomPart);
 * await store.save(sel, { userId: 'u1', verifierHash: 'ab..', expiresAt: now + 1_800_000 }, 1_800_000);
 * const won = await store.take(sel); // the record once, then undefined for every other caller
 * ```
 */
export interface ResetTokenStore {
  /**
   * Stores a token under its selector for `ttlMs` (cleanup only: expiry is judged from
   * `expiresAt`), and indexes it under its user so {@link ResetTokenStore.deleteForUser} finds
   * it. The selector starts with `shardTag(record.userId)` (see `taggedSelector`), so a sharded
   * store keeps a user's tokens and index on one shard and finds a token from its selector.
   */
  save(selector: string, record: ResetTokenRecord, ttlMs: number): Promise<void>;
  /** Reads a token without consuming it (to check the verifier and the new password first). */
  peek(selector: string): Promise<ResetTokenRecord | undefined>;
  /**
   * Atomically removes and returns the token: of N concurrent callers exactly one gets the
   * record, the others get `undefined`.
   */
  take(selector: string): Promise<ResetTokenRecord | undefined>;
  /** Deletes every outstanding token of a user; returns how many were deleted. */
  deleteForUser(userId: string): Promise<number>;
}
