/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** A network in CIDR form, normalised so that host bits are zero. */
export interface IpNetwork {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

const DEC_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4Bytes(text: string, out: Uint8Array, offset: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // Leading zeros are refused: some stacks read them as octal, so they are ambiguous.
    if (!DEC_OCTET.test(p)) return false;
    const n = Number(p);
    if (n > 255) return false;
    out[offset + i] = n;
  }
  return true;
}

function parseIPv6Bytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const zone = text.indexOf('%');
  // A zone id (fe80::1%eth0) names a local interface; it is not part of the address.
  const s = zone === -1 ? text : text.slice(0, zone);
  if (s.length < 2 || s.length > 45) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  const groups: number[] = [];
  let v4: Uint8Array | undefined;
  const all = [...head, ...tail];
  const last = all[all.length - 1];
  if (last?.includes('.')) {
    // The dotted tail must end the address: `1.2.3.4::` is not `::1.2.3.4`.
    if (halves.length === 2 && tail.length === 0) return undefined;
    v4 = new Uint8Array(4);
    if (!parseIPv4Bytes(last, v4, 0)) return undefined;
    if (tail.length > 0) tail.pop();
    else head.pop();
  }
  const width = v4 ? 6 : 8;
  for (const g of [...head, ...tail]) if (!HEX_GROUP.test(g)) return undefined;
  const present = head.length + tail.length;
  if (halves.length === 2) {
    if (present > width - 1) return undefined;
  } else if (present !== width) return undefined;
  for (const g of head) groups.push(Number.parseInt(g, 16));
  for (let i = present; i < width; i++) groups.push(0);
  for (const g of tail) groups.push(Number.parseInt(g, 16));
  for (let i = 0; i < width; i++) {
    out[i * 2] = groups[i]! >> 8;
    out[i * 2 + 1] = groups[i]! & 0xff;
  }
  if (v4) out.set(v4, 12);
  return out;
}

/**
 * Parses an IPv4 or IPv6 address (no brackets, no port). Returns `undefined` for anything
 * else; never throws. IPv4 octets with leading zeros are refused as ambiguous.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return undefined;
  if (text.includes(':')) {
    const bytes = parseIPv6Bytes(text);
    return bytes ? { family: 6, bytes } : undefined;
  }
  const bytes = new Uint8Array(4);
  return parseIPv4Bytes(text, bytes, 0) ? { family: 4, bytes } : undefined;
}

/**
 * An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 section 2.5.5.2) recognised by its
 * bits, whatever its spelling, and returned as IPv4. Other addresses are returned unchanged.
 */
export function unmapIPv4(addr: IpAddress): IpAddress {
  if (addr.family === 4) return addr;
  const b = addr.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return addr;
  if (b[10] !== 0xff || b[11] !== 0xff) return addr;
  return { family: 4, bytes: b.slice(12, 16) };
}

/** Canonical text: dotted IPv4, or IPv6 in RFC 5952 form (lower case, longest zero run as `::`). */
export function formatIp(addr: IpAddress): string {
  const b = addr.bytes;
  if (addr.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

/** Zeroes every bit after the first `prefix` bits. */
export function maskIp(addr: IpAddress, prefix: number): IpAddress {
  const bytes = addr.bytes.slice();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return { family: addr.family, bytes };
}

/**
 * Parses `a.b.c.d/n`, `x::y/n` or a bare address (a single host). IPv4-mapped networks are
 * stored as IPv4. Returns `undefined` when the text is not a network.
 */
export function parseCidr(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const parsed = parseIp(addrText.trim());
  if (!parsed) return undefined;
  const max = parsed.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  let addr: IpAddress = parsed;
  if (parsed.family === 6 && prefix >= 96) {
    const v4 = unmapIPv4(parsed);
    if (v4.family === 4) {
      addr = v4;
      prefix -= 96;
    }
  }
  const masked = maskIp(addr, prefix);
  return { family: masked.family, bytes: masked.bytes, prefix };
}

/** True when `addr` lies inside `net` (IPv4-mapped addresses match IPv4 networks). */
export function networkContains(net: IpNetwork, addr: IpAddress): boolean {
  const a = unmapIPv4(addr);
  if (a.family !== net.family) return false;
  const full = net.prefix >> 3;
  for (let i = 0; i < full; i++) if (a.bytes[i] !== net.bytes[i]) return false;
  const rest = net.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a.bytes[full]! & mask) === net.bytes[full];
}
