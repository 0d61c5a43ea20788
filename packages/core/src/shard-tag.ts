/**
 * Shard tags: how stores keep the keys of one atomic operation on one Redis Cluster shard while
 * spreading different owners (users, refresh families) over every shard.
 *
 * A shard tag is 4 base64url characters derived from an owner id (a subject, a user id, a
 * refresh-token family id). Redis Cluster hashes only the part of a key between `{` and `}`, so
 * every key written as `prefix{tag}...` lives on the slot of its tag: the keys of one owner
 * share a slot, and 2^24 possible tags spread owners evenly over the 16384 slots.
 *
 * A selector that must find its owner's keys on its own (a refresh token's, a reset link's)
 * starts with its owner's tag: see {@link taggedSelector}. Stores that need no locality (memory,
 * a single Redis) ignore tags.
 */

/** Characters of a shard tag. */
export const SHARD_TAG_LENGTH = 4;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The shard tag of an owner id: FNV-1a (32 bit) of its UTF-16 code units, 24 bits of it as 4
 * base64url characters. Not a secret and not collision-resistant: it only spreads load.
 *
 * @example
 * ```ts
 * shardTag('user-42'); // 4 base64url characters, the same on every machine
 * ```
 */
export function shardTag(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Fold the top byte in so all 32 bits count, then keep 24.
  const v = (h ^ (h >>> 24)) & 0xffffff;
  return (
    ALPHABET.charAt((v >>> 18) & 63) +
    ALPHABET.charAt((v >>> 12) & 63) +
    ALPHABET.charAt((v >>> 6) & 63) +
    ALPHABET.charAt(v & 63)
  );
}

/**
 * A selector that carries its owner's shard tag: `shardTag(ownerId)` followed by `random`
 * (base64url). Keep the total length of the selector the same as before by taking
 * {@link SHARD_TAG_LENGTH} fewer random characters.
 */
export function taggedSelector(ownerId: string, random: string): string {
  return shardTag(ownerId) + random;
}

/** The shard tag a selector carries (its first {@link SHARD_TAG_LENGTH} characters). */
export function selectorTag(selector: string): string {
  return selector.slice(0, SHARD_TAG_LENGTH);
}
