import { ConfigError, selectorTag, shardTag } from '@portcullis/core';

/**
 * Every key the Redis stores write, in one place. Keys read or written by one script share a
 * hash tag (`{tag}`), so on Redis Cluster each script runs on one shard; tags come from the
 * owner of the keys (a subject, a refresh family, a user), so owners spread over every shard.
 * On a single Redis the tags cost 6 bytes per key and change nothing else. docs/scaling.md
 * shows the whole layout.
 *
 * | store       | key                                   | tag                 |
 * |-------------|---------------------------------------|---------------------|
 * | rate limit  | `<p><hashed rule key>`                | whole key (1 key)   |
 * | revocation  | `<p>{T}su:<subject>` watermark        | shardTag(subject)   |
 * |             | `<p>{T}rv:<iss jti>` blocklist entry  | shardTag(subject)   |
 * | refresh     | `<p>{F}fa:<familyId>` family          | shardTag(familyId)  |
 * |             | `<p>{F}rt:<selector>` token           | selector's 4 chars  |
 * | reset       | `<p>{U}u:<userId>` index              | shardTag(userId)    |
 * |             | `<p>{U}t:<selector>` token            | selector's 4 chars  |
 */

/**
 * Checks a key prefix at start-up. A brace in the prefix would become the hash tag of every
 * key, putting the whole store on one shard (or splitting keys a script needs together).
 */
export function checkPrefix(prefix: unknown, what: string): string {
  if (typeof prefix !== 'string') throw new ConfigError(`${what}: prefix must be a string`);
  if (/[{}]/.test(prefix))
    throw new ConfigError(
      `${what}: prefix must not contain "{" or "}" (Redis Cluster would hash the braces' content, putting every key on one shard)`,
    );
  return prefix;
}

const tagged = (prefix: string, tag: string) => `${prefix}{${tag}}`;

/** Keys of the revocation store: everything of one subject under `shardTag(subject)`. */
export function revocationKeys(prefix: string) {
  return {
    /** The subject's "revoked before" watermark. */
    watermark: (subject: string): string => `${tagged(prefix, shardTag(subject))}su:${subject}`,
    /** One revoked access token (`tokenKey` is `iss` and `jti`). */
    token: (subject: string, tokenKey: string): string =>
      `${tagged(prefix, shardTag(subject))}rv:${tokenKey}`,
    /** One revoked session (`sessionKey` is `iss` and `sid`), beside the subject's other keys. */
    session: (subject: string, sessionKey: string): string =>
      `${tagged(prefix, shardTag(subject))}ss:${sessionKey}`,
  };
}

/** Keys of the refresh-token store: a family and all its tokens under the family's tag. */
export function refreshKeys(prefix: string) {
  return {
    family: (familyId: string): string => `${tagged(prefix, shardTag(familyId))}fa:${familyId}`,
    token: (selector: string): string => `${tagged(prefix, selectorTag(selector))}rt:${selector}`,
  };
}

/** Keys of the reset-token store: a user's index and tokens under the user's tag. */
export function resetKeys(prefix: string) {
  return {
    user: (userId: string): string => `${tagged(prefix, shardTag(userId))}u:${userId}`,
    token: (selector: string): string => `${tagged(prefix, selectorTag(selector))}t:${selector}`,
  };
}

/**
 * Refuses a selector that does not carry its owner's tag: on Redis Cluster its keys would land
 * on two shards. Callers build selectors with `taggedSelector` from `@portcullis/core`.
 */
export function checkSelector(what: string, selector: string, ownerId: string, owner: string): void {
  if (selectorTag(selector) !== shardTag(ownerId))
    throw new ConfigError(
      `${what}: the selector must start with shardTag(${owner}) (build it with taggedSelector from @portcullis/core)`,
    );
}
