import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClientAddressResolver } from '../src/client-address.js';
import { networkContains, parseCidr, parseIp } from '../src/ip.js';

const loopback = [parseCidr('127.0.0.0/8')!, parseCidr('::1/128')!];
const isTrusted = (text: string) => {
  const ip = parseIp(text);
  return ip !== undefined && loopback.some((n) => networkContains(n, ip));
};

const trustedHop = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`),
  fc.constant('::1'),
);
const publicHop = fc
  .tuple(fc.integer({ min: 1, max: 126 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 }))
  .map(([a, b, c, d]) => `${a}.${b}.${c}.${d}`);
const garbageHop = fc.oneof(
  fc.constant('unknown'),
  fc.constant('_hidden'),
  fc.constant(''),
  fc.string({ maxLength: 12 }),
);
const hop = fc.oneof(
  { weight: 6, arbitrary: trustedHop },
  { weight: 3, arbitrary: publicHop },
  { weight: 1, arbitrary: garbageHop },
);

describe('client address behind trusted proxies (property)', () => {
  const resolve = createClientAddressResolver({ trustProxy: ['loopback'] });

  it('never resolves to a trusted proxy when a hop that is not a proxy exists, whatever the chain length', () => {
    fc.assert(
      fc.property(
        fc.array(hop, { maxLength: 40 }),
        fc.integer({ min: 0, max: 600 }),
        trustedHop,
        (tail, padding, socket) => {
          // A long spoofed prefix (the client's part of the chain), then the hops the proxies wrote.
          const chain = [...Array.from({ length: padding }, (_, i) => `10.0.${i & 255}.1`), ...tail];
          const r = resolve({ remoteAddress: socket, headers: { 'x-forwarded-for': chain.join(', ') } });
          const nonProxyExists = chain.some((h) => !isTrusted(h.trim()));
          if (nonProxyExists) expect(isTrusted(r.address)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('resolves to the rightmost hop that is not a proxy when every hop right of it is a readable proxy', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(publicHop, trustedHop), { maxLength: 600 }),
        publicHop,
        fc.array(trustedHop, { maxLength: 20 }),
        (spoofed, client, proxies) => {
          const chain = [...spoofed, client, ...proxies];
          const r = resolve({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': chain.join(', ') } });
          expect(r.address).toBe(client);
          expect(r.source).toBe('x-forwarded-for');
        },
      ),
      { numRuns: 300 },
    );
  });
});
