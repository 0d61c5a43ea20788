import { ConfigError } from './errors.js';
import { type HeaderSource, readHeader } from './headers.js';
import {
  formatIp,
  type IpAddress,
  type IpNetwork,
  maskIp,
  networkContains,
  parseCidr,
  parseIp,
  unmapIPv4,
} from './ip.js';
import { checkOptions, type KnownOptions } from './options.js';

/**
 * Which peers may tell us the client's address through a proxy header.
 * - `false` (default): nobody; the socket address is the client.
 * - a number `n`: the `n` nearest hops are proxies (a fixed chain such as one load balancer).
 * - a list of CIDRs or named ranges (`loopback`, `private`, `linklocal`, `uniquelocal`): any
 *   hop whose address is inside is a proxy.
 * - a function deciding per hop (`index` 0 is the socket peer).
 */
export type TrustProxy = false | number | readonly string[] | ((address: string, index: number) => boolean);

/** Which header trusted proxies write. Only that one is read: reading both would let a client spoof the other. */
export type ProxyHeader = 'x-forwarded-for' | 'forwarded';

/** Options of {@link createClientAddressResolver}. */
export interface ClientAddressOptions {
  /** Peers allowed to set the proxy header. Default `false`: headers are ignored. */
  trustProxy?: TrustProxy | undefined;
  /** Header written by the trusted proxies. Default `x-forwarded-for`. */
  proxyHeader?: ProxyHeader | undefined;
  /**
   * IPv6 clients are grouped by this prefix in {@link ClientAddress.key}: one subscriber usually
   * holds a whole /64 (RFC 6177), so a per-address key would give an attacker 2^64 fresh keys.
   * Default 64.
   */
  ipv6PrefixLength?: number | undefined;
  /** IPv4 grouping prefix for {@link ClientAddress.key}. Default 32 (one address). */
  ipv4PrefixLength?: number | undefined;
}

/** What a framework knows about the peer of a request. */
export interface ClientAddressInput {
  /** The socket's remote address (`req.socket.remoteAddress`); may be absent on unix sockets. */
  remoteAddress?: string | undefined;
  /** The request headers. */
  headers: HeaderSource;
}

/** The resolved client. */
export interface ClientAddress {
  /** Canonical address (IPv4-mapped IPv6 shown as IPv4), or `unknown` when there is none. */
  address: string;
  family: 4 | 6 | null;
  /** Where the address came from. */
  source: 'socket' | ProxyHeader | 'none';
  /** Key for per-client limits: the address, or its network (`2001:db8:1:2::/64`) for grouped clients. */
  key: string;
}

/** Named ranges, as proxy-addr and Express name them. */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** A header longer than this is not parsed (a chain of 100+ proxies is not a real deployment). */
const MAX_PROXY_HEADER_LENGTH = 4096;
const MAX_HOPS = 64;
const PEER_CACHE_SIZE = 4096;

interface Peer {
  addr: IpAddress;
  text: string;
  trusted: boolean;
  client: Readonly<ClientAddress>;
}

/**
 * Reads an address as proxies and sockets write it: bare, `1.2.3.4:port`, `[v6]`, `[v6]:port`,
 * or `"..."` quoted (RFC 7239). Returns `undefined` for `unknown`, obfuscated ids and garbage.
 */
export function parseNodeAddress(raw: string): IpAddress | undefined {
  let s = raw.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end === -1) return undefined;
    const rest = s.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    const a = parseIp(s.slice(1, end));
    return a?.family === 6 ? a : undefined;
  }
  const colon = s.indexOf(':');
  if (colon !== -1 && colon === s.lastIndexOf(':')) {
    // IPv4 with a port (Azure and some CDNs append one).
    if (!/^\d{1,5}$/.test(s.slice(colon + 1))) return undefined;
    const a = parseIp(s.slice(0, colon));
    return a?.family === 4 ? a : undefined;
  }
  return parseIp(s);
}

/** The `for=` values of a `Forwarded` header (RFC 7239 section 4), left to right. */
export function parseForwardedFor(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = value.length;
  let current: string | undefined;
  while (i < n) {
    while (i < n && (value[i] === ' ' || value[i] === '\t' || value[i] === ';')) i++;
    if (i >= n) break;
    if (value[i] === ',') {
      out.push(current ?? '');
      current = undefined;
      i++;
      continue;
    }
    const eq = value.indexOf('=', i);
    if (eq === -1) break;
    const key = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let v = '';
    if (value[i] === '"') {
      i++;
      while (i < n && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < n) i++;
        v += value[i];
        i++;
      }
      i++;
    } else {
      const start = i;
      while (i < n && value[i] !== ';' && value[i] !== ',') i++;
      v = value.slice(start, i).trim();
    }
    if (key === 'for' && current === undefined) current = v;
  }
  if (current !== undefined || out.length > 0) out.push(current ?? '');
  return out;
}

function compileTrust(trust: TrustProxy): (addr: IpAddress, text: string, index: number) => boolean {
  if (trust === false) return () => false;
  if (typeof trust === 'number') {
    if (!Number.isInteger(trust) || trust < 0 || trust > MAX_HOPS) {
      throw new ConfigError(`trustProxy hop count must be an integer from 0 to ${MAX_HOPS}`);
    }
    return (_a, _t, index) => index < trust;
  }
  if (typeof trust === 'function') return (_a, text, index) => trust(text, index) === true;
  if (!Array.isArray(trust))
    throw new ConfigError('trustProxy must be false, a hop count, a CIDR list or a function');
  const nets: IpNetwork[] = [];
  for (const entry of trust as readonly string[]) {
    const named = NAMED_RANGES[entry];
    for (const cidr of named ?? [entry]) {
      const net = parseCidr(cidr);
      if (!net) throw new ConfigError(`trustProxy: "${String(cidr).slice(0, 64)}" is not an address or CIDR`);
      nets.push(net);
    }
  }
  return (addr) => nets.some((net) => networkContains(net, addr));
}

/** A resolver built once from its options, called per request. */
export type ClientAddressResolver = (input: ClientAddressInput) => ClientAddress;

const ADDRESS_OPTIONS = {
  trustProxy: true,
  proxyHeader: true,
  ipv6PrefixLength: true,
  ipv4PrefixLength: true,
} as const satisfies KnownOptions<ClientAddressOptions>;

/**
 * Builds the client-address resolver that every Portcullis module shares.
 *
 * The socket peer is the client unless it is a trusted proxy; then the proxy header is read
 * from the right, hop by hop, stopping at the first address that is not a trusted proxy. A
 * header sent by an untrusted peer is never read, so it cannot change the result.
 *
 * @example
 * ```ts
 * const resolve = createClientAddressResolver({ trustProxy: ['loopback', '10.0.0.0/8'] });
 * resolve({ remoteAddress: req.socket.remoteAddress, headers: req.headers }).key;
 * ```
 */
export function createClientAddressResolver(options: ClientAddressOptions = {}): ClientAddressResolver {
  checkOptions('createClientAddressResolver', options, ADDRESS_OPTIONS);
  const isTrusted = compileTrust(options.trustProxy ?? false);
  const header: ProxyHeader = options.proxyHeader ?? 'x-forwarded-for';
  if (header !== 'x-forwarded-for' && header !== 'forwarded') {
    throw new ConfigError('proxyHeader must be "x-forwarded-for" or "forwarded"');
  }
  const v6Prefix = options.ipv6PrefixLength ?? 64;
  const v4Prefix = options.ipv4PrefixLength ?? 32;
  if (!Number.isInteger(v6Prefix) || v6Prefix < 1 || v6Prefix > 128) {
    throw new ConfigError('ipv6PrefixLength must be an integer from 1 to 128');
  }
  if (!Number.isInteger(v4Prefix) || v4Prefix < 1 || v4Prefix > 32) {
    throw new ConfigError('ipv4PrefixLength must be an integer from 1 to 32');
  }
  // Only the right end of the chain can matter: it is read hop by hop from the right, and at
  // most MAX_HOPS hops. A longer header is cut from the left (what the client itself sent),
  // never dropped: dropping it would make the trusted proxy look like the client.
  const readChain = (headers: HeaderSource): string[] => {
    const raw = readHeader(headers, header);
    if (raw === undefined || raw.length === 0) return [];
    const tail = raw.length > MAX_PROXY_HEADER_LENGTH ? raw.slice(raw.length - MAX_PROXY_HEADER_LENGTH) : raw;
    const hops = header === 'forwarded' ? parseForwardedFor(tail) : tail.split(',');
    // The first element of a cut header is a fragment: unreadable, whatever it looks like.
    if (tail !== raw && hops.length > 0) hops[0] = '';
    return hops;
  };

  // The socket peer's parse, canonical form, trust and key depend on its address string only,
  // and one server sees few distinct peers at a time: cache them (bounded; cleared when full,
  // so a flood of fresh addresses costs the uncached path, never memory).
  const peers = new Map<string, Peer | null>();
  const peerOf = (remote: string): Peer | null => {
    let peer = peers.get(remote);
    if (peer !== undefined) return peer;
    const parsed = parseNodeAddress(remote);
    if (parsed) {
      const addr = unmapIPv4(parsed);
      const text = formatIp(addr);
      const client: ClientAddress = {
        address: text,
        family: addr.family,
        source: 'socket',
        key: clientKeyOf(addr, v4Prefix, v6Prefix),
      };
      peer = { addr, text, trusted: isTrusted(addr, text, 0), client: Object.freeze(client) };
    } else peer = null;
    if (peers.size >= PEER_CACHE_SIZE) peers.clear();
    peers.set(remote, peer);
    return peer;
  };

  return (input) => {
    const peer = input.remoteAddress === undefined ? null : peerOf(input.remoteAddress);
    if (!peer) return { address: 'unknown', family: null, source: 'none', key: 'unknown' };
    if (!peer.trusted) return { ...peer.client };
    let current = peer.addr;
    let currentText = peer.text;
    let source: ClientAddress['source'] = 'socket';
    const chain = readChain(input.headers);
    let hop = 1;
    for (let i = chain.length - 1; i >= 0; i--, hop++) {
      // Past MAX_HOPS trusted hops, or at a hop a trusted proxy wrote but nobody can read
      // (`unknown`, an obfuscated id, garbage, a cut fragment): the client cannot be known, and
      // the proxy must never be taken for it.
      const next = hop <= MAX_HOPS ? parseNodeAddress(chain[i]!) : undefined;
      if (!next) return { ...UNRESOLVED, source: header };
      current = unmapIPv4(next);
      currentText = formatIp(current);
      source = header;
      if (!isTrusted(current, currentText, hop)) {
        return {
          address: currentText,
          family: current.family,
          source,
          key: clientKeyOf(current, v4Prefix, v6Prefix),
        };
      }
    }
    // Every hop was a trusted proxy: the request comes from the innermost proxy itself (a
    // health check, an internal call). It is the client.
    return {
      address: currentText,
      family: current.family,
      source,
      key: clientKeyOf(current, v4Prefix, v6Prefix),
    };
  };
}

/** A client behind trusted proxies whose address nobody can read: one shared key, never a proxy. */
const UNRESOLVED: ClientAddress = Object.freeze({
  address: 'unknown',
  family: null,
  source: 'none',
  key: 'unresolved',
});

function clientKeyOf(addr: IpAddress, v4Prefix: number, v6Prefix: number): string {
  const prefix = addr.family === 4 ? v4Prefix : v6Prefix;
  const full = addr.family === 4 ? 32 : 128;
  if (prefix >= full) return formatIp(addr);
  return `${formatIp(maskIp(addr, prefix))}/${prefix}`;
}
