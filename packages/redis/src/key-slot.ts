/**
 * Redis Cluster's key -> slot function (CRC16-XMODEM of the hash tag, or of the whole key,
 * modulo 16384; Redis Cluster specification, "Keys distribution model"). Used to tell which
 * shard a key lives on without a round trip; the cluster tests check it against
 * `CLUSTER KEYSLOT`.
 */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

/** The part of `key` Redis hashes: the first non-empty `{...}` section, else the whole key. */
export function hashedPart(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** The cluster slot (0..16383) of `key`, hashing its UTF-8 bytes like Redis does. */
export function keySlot(key: string): number {
  const bytes = Buffer.from(hashedPart(key), 'utf8');
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ b) & 0xff] ?? 0);
  return crc & 16383;
}
