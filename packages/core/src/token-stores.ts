/**
 * Store contracts of the tokens module: a revocation store (the blocklist of access tokens and
 * the per-user "revoked before" watermark) and a refresh-token store (opaque rotating refresh
 * tokens with reuse detection). Memory implementations live in `@portcullis/tokens`, Redis ones
 * in `@portcullis/redis`; both pass the same contract suite.
 *
 * Every method is atomic on its own: no read-then-write pairs across calls decide anything.
 */

/** A value, or a promise of it: memory stores answer synchronously so the hot path skips a tick. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Blocklist of access tokens by (issuer, `jti`) and per-subject watermarks ("log out
 * everywhere"). Entries are kept until the token could no longer pass anyway (its expiry plus
 * the clock tolerance), so the store stays bounded.
 */
export interface RevocationStore {
  /**
   * Revokes one token. `tokenKey` identifies it (the tokens module passes `iss` and `jti`),
   * `subject` is its `sub` (a sharded store keeps the entry next to the subject's watermark,
   * so {@link isRevoked} reads one shard), `expiresAtMs` is when the entry may be forgotten.
   * Resolves `true` when the token was not revoked before (idempotent: revoking twice is not
   * an error, RFC 7009 section 2.2).
   */
  revokeToken(tokenKey: string, subject: string, expiresAtMs: number): Promise<boolean>;
  /**
   * Revokes every token of `subject` issued at or before `watermarkMs` (ms since the epoch).
   * The stored watermark only moves forward. It is forgotten after `ttlMs`, which must outlive
   * the longest-lived token it has to cover.
   */
  revokeSubject(subject: string, watermarkMs: number, ttlMs: number): Promise<void>;
  /**
   * Revokes one session (a login and its refresh family): every token checked with this
   * `sessionKey` is revoked until `expiresAtMs`, which must outlive the session's access tokens.
   * `subject` is the session's user, so a clustered store can keep the key beside the subject's
   * other revocation keys. Resolves `true` when the session was not revoked before.
   */
  revokeSession(subject: string, sessionKey: string, expiresAtMs: number): Promise<boolean>;
  /**
   * One atomic read: `true` when `tokenKey` is blocklisted, `sessionKey` (when given) is a
   * revoked session, or `issuedAtMs` is at or before the subject's watermark. Rejects (Redis:
   * with a `StoreError`) when the store cannot answer.
   */
  isRevoked(
    tokenKey: string,
    subject: string,
    issuedAtMs: number,
    sessionKey?: string | undefined,
  ): MaybePromise<boolean>;
  /** The subject's watermark in ms, 0 when none. Used by refresh to refuse families older than it. */
  subjectWatermark(subject: string): Promise<number>;
}

/** A refresh token as stored. The verifier itself is never stored, only its SHA-256. */
export interface RefreshTokenRecord {
  /**
   * Public lookup half of the token (base64url). It starts with `shardTag(familyId)` (see
   * `taggedSelector`), so a sharded store finds the family's shard from the selector alone.
   */
  readonly selector: string;
  /** base64url SHA-256 of the secret half. */
  readonly verifierHash: string;
  /** Every token descending from one login shares the family id. */
  readonly familyId: string;
  /** Subject (user id) the family belongs to. */
  readonly subject: string;
  /** When this token was issued (ms). */
  readonly issuedAt: number;
  /** When the family was created by a login (ms); compared with the subject's watermark. */
  readonly familyIssuedAt: number;
  /** Idle expiry of this token (ms): unused past it, the token is dead. */
  readonly expiresAt: number;
  /** Absolute expiry of the whole family (ms): no rotation extends past it. */
  readonly familyExpiresAt: number;
  /** Opaque application data carried from token to token (e.g. JSON of extra claims); may be empty. */
  readonly data: string;
}

/** State of a stored refresh token. */
export type RefreshTokenState = 'active' | 'spent' | 'revoked';

/** A stored refresh token with its state, as {@link RefreshTokenStore.find} returns it. */
export interface RefreshTokenEntry extends RefreshTokenRecord {
  readonly state: RefreshTokenState;
}

/** Input of {@link RefreshTokenStore.rotate}. */
export interface RefreshRotation {
  /** Selector of the token presented. */
  readonly selector: string;
  /** Hash of the presented verifier, checked again inside the atomic operation. */
  readonly verifierHash: string;
  /** The successor to store if this call wins the rotation. */
  readonly successor: RefreshTokenRecord;
  /**
   * What a grace-window replay gets back: the successor pair, encrypted with a key only the
   * holder of the presented token can derive. Opaque to the store.
   */
  readonly replay: string;
  /** Current time (ms). */
  readonly now: number;
  /** How long after a rotation a replay of the same token still gets {@link replay} back. */
  readonly graceMs: number;
}

/**
 * Result of a rotation. `rotated`: this call won and the successor is stored. `grace`: another
 * call rotated this token less than `graceMs` ago; `replay` is that call's successor pair.
 * `reused`: the token was already spent before the grace window; the whole family is now
 * revoked. `revoked`, `expired`, `unknown`: refused, nothing changed.
 */
export type RefreshRotationResult =
  | { readonly outcome: 'rotated' }
  | { readonly outcome: 'grace'; readonly replay: string }
  | { readonly outcome: 'reused'; readonly familyId: string; readonly subject: string }
  | { readonly outcome: 'revoked' }
  | { readonly outcome: 'expired' }
  | { readonly outcome: 'unknown' };

/**
 * Storage of rotating refresh tokens. `rotate` is the one atomic operation that marks a token
 * spent and stores its successor, or detects reuse and revokes the family.
 */
export interface RefreshTokenStore {
  /** Stores the first token of a new family (at login). */
  create(record: RefreshTokenRecord): Promise<void>;
  /**
   * Looks a token up by selector. Resolves `undefined` when unknown or past its idle or absolute
   * expiry. A token of a revoked family has state `revoked`.
   */
  find(selector: string, now: number): Promise<RefreshTokenEntry | undefined>;
  /** Atomically rotates the token; see {@link RefreshRotationResult}. */
  rotate(rotation: RefreshRotation): Promise<RefreshRotationResult>;
  /** Revokes the whole family (logout). Resolves `false` when it was unknown or already revoked. */
  revokeFamily(familyId: string, now: number): Promise<boolean>;
}
