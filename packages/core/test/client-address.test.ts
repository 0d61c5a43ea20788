import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createClientAddressResolver,
  formatIp,
  parseCidr,
  parseForwardedFor,
  parseIp,
  parseNodeAddress,
} from '../src/index.js';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6Bytes = fc.uint8Array({ minLength: 16, maxLength: 16 });
const ipv6 = ipv6Bytes.map((bytes) => formatIp({ family: 6, bytes }));
/** Public IPv4 outside 10/8 (the proxies' range in these tests). */
const publicV4 = fc
  .tuple(fc.integer({ min: 11, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255))
  .map((p) => p.join('.'));
const proxyV4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => `10.${p.join('.')}`);

describe('parseIp / formatIp', () => {
  it('parses IPv4 and IPv6 and refuses garbage', () => {
    expect(parseIp('192.0.2.1')?.family).toBe(4);
    expect(parseIp('2001:db8::1')?.family).toBe(6);
    expect(parseIp('::')?.family).toBe(6);
    expect(parseIp('fe80::1%eth0')?.family).toBe(6);
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '01.2.3.4',
      '1:2:3:4:5:6:7:8:9',
      '::1::',
      'abc',
      '1.2.3.4::',
      'gggg::1',
    ]) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });

  it('writes IPv6 in RFC 5952 form', () => {
    const canon = (s: string) => formatIp(parseIp(s)!);
    expect(canon('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canon('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canon('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canon('::ffff:192.0.2.1')).toBe('::ffff:c000:201');
  });

  it('agrees with the URL parser on every IPv6 address (property)', () => {
    fc.assert(
      fc.property(ipv6Bytes, (bytes) => {
        const text = formatIp({ family: 6, bytes });
        expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`);
        expect(parseIp(text)?.bytes).toEqual(bytes);
      }),
    );
  });

  it('accepts nothing that Node rejects (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f:.]{1,45}$/)), (s) => {
        if (parseIp(s)) expect(isIP(s)).not.toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseNodeAddress', () => {
  it('reads ports, brackets and quotes as proxies write them', () => {
    expect(formatIp(parseNodeAddress('192.0.2.1:8080')!)).toBe('192.0.2.1');
    expect(formatIp(parseNodeAddress('[2001:db8::1]:443')!)).toBe('2001:db8::1');
    expect(formatIp(parseNodeAddress('"[2001:db8::1]"')!)).toBe('2001:db8::1');
    expect(parseNodeAddress('unknown')).toBeUndefined();
    expect(parseNodeAddress('_hidden')).toBeUndefined();
    expect(parseNodeAddress('[1.2.3.4]')).toBeUndefined();
    expect(parseNodeAddress('1.2.3.4:99999999')).toBeUndefined();
  });
});

describe('parseForwardedFor', () => {
  it('reads the for= of each element (RFC 7239 section 4)', () => {
    expect(
      parseForwardedFor(
        'for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711", proto=https',
      ),
    ).toEqual(['192.0.2.60', '[2001:db8:cafe::17]:4711', '']);
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => Array.isArray(parseForwardedFor(s))));
  });
});

describe('parseCidr', () => {
  it('normalises host bits and mapped networks', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({
      family: 4,
      prefix: 8,
      bytes: new Uint8Array([10, 0, 0, 0]),
    });
    expect(parseCidr('::ffff:10.0.0.0/104')).toMatchObject({ family: 4, prefix: 8 });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('nonsense')).toBeUndefined();
  });
});

describe('createClientAddressResolver', () => {
  const headers = (xff?: string, fwd?: string) => ({
    ...(xff === undefined ? {} : { 'x-forwarded-for': xff }),
    ...(fwd === undefined ? {} : { forwarded: fwd }),
  });

  it('uses the socket address and ignores proxy headers by default', () => {
    const resolve = createClientAddressResolver();
    const r = resolve({ remoteAddress: '203.0.113.7', headers: headers('1.1.1.1') });
    expect(r).toEqual({ address: '203.0.113.7', family: 4, source: 'socket', key: '203.0.113.7' });
  });

  it('unmaps IPv4-mapped IPv6 by its bits, whatever the spelling', () => {
    const resolve = createClientAddressResolver();
    for (const spelling of ['::ffff:192.0.2.1', '::FFFF:c000:0201', '0:0:0:0:0:ffff:192.0.2.1']) {
      expect(resolve({ remoteAddress: spelling, headers: {} }).address).toBe('192.0.2.1');
    }
  });

  it('groups IPv6 clients by /64 in the key, configurable', () => {
    const a = createClientAddressResolver()({ remoteAddress: '2001:db8:1:2:aaaa::1', headers: {} });
    expect(a.address).toBe('2001:db8:1:2:aaaa::1');
    expect(a.key).toBe('2001:db8:1:2::/64');
    const b = createClientAddressResolver({ ipv6PrefixLength: 48 })({
      remoteAddress: '2001:db8:1:2::1',
      headers: {},
    });
    expect(b.key).toBe('2001:db8:1::/48');
    const c = createClientAddressResolver({ ipv6PrefixLength: 128 })({
      remoteAddress: '2001:db8::1',
      headers: {},
    });
    expect(c.key).toBe('2001:db8::1');
  });

  it('walks X-Forwarded-For from the right through trusted proxies only', () => {
    const resolve = createClientAddressResolver({ trustProxy: ['loopback', '10.0.0.0/8'] });
    const r = resolve({ remoteAddress: '127.0.0.1', headers: headers('6.6.6.6, 198.51.100.9, 10.0.0.2') });
    expect(r).toMatchObject({ address: '198.51.100.9', source: 'x-forwarded-for' });
  });

  it('trusts a fixed number of hops', () => {
    const resolve = createClientAddressResolver({ trustProxy: 1 });
    expect(resolve({ remoteAddress: '10.0.0.1', headers: headers('6.6.6.6, 198.51.100.9') }).address).toBe(
      '198.51.100.9',
    );
    const two = createClientAddressResolver({ trustProxy: 2 });
    expect(two({ remoteAddress: '10.0.0.1', headers: headers('6.6.6.6, 198.51.100.9') }).address).toBe(
      '6.6.6.6',
    );
  });

  it('reads Forwarded when told to, and only then', () => {
    const resolve = createClientAddressResolver({ trustProxy: ['loopback'], proxyHeader: 'forwarded' });
    const h = headers('6.6.6.6', 'for="[2001:db8::5]:1234";proto=https');
    expect(resolve({ remoteAddress: '::1', headers: h })).toMatchObject({
      address: '2001:db8::5',
      source: 'forwarded',
    });
  });

  it('reads WHATWG Headers too', () => {
    const resolve = createClientAddressResolver({ trustProxy: ['loopback'] });
    const h = new Headers({ 'x-forwarded-for': '198.51.100.1' });
    expect(resolve({ remoteAddress: '127.0.0.1', headers: h }).address).toBe('198.51.100.1');
  });

  it('stops at the first untrusted hop; garbage written past a trusted hop is an unknown client, never the proxy', () => {
    const one = createClientAddressResolver({ trustProxy: 1 });
    expect(one({ remoteAddress: '10.0.0.1', headers: headers('evil, 198.51.100.2') }).address).toBe(
      '198.51.100.2',
    );
    const resolve = createClientAddressResolver({ trustProxy: 3 });
    // 3 trusted hops: socket, 198.51.100.2, then `evil` where the client should be.
    const unreadable = resolve({
      remoteAddress: '10.0.0.1',
      headers: headers('evil, 198.51.100.2, 198.51.100.3'),
    });
    expect(unreadable).toMatchObject({ address: 'unknown', key: 'unresolved' });
    expect(resolve({ remoteAddress: '10.0.0.1', headers: headers('x'.repeat(10_000)) })).toMatchObject({
      address: 'unknown',
      key: 'unresolved',
    });
  });

  it('a chain longer than the length cap still resolves to the address the trusted proxy appended (finding: 520 hops made the proxy the client)', () => {
    const resolve = createClientAddressResolver({ trustProxy: ['loopback'] });
    const spoofed = Array.from({ length: 520 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`).join(', ');
    const r = resolve({ remoteAddress: '127.0.0.1', headers: headers(`${spoofed}, 203.0.113.9`) });
    expect(r).toMatchObject({ address: '203.0.113.9', source: 'x-forwarded-for' });
    const fwd = createClientAddressResolver({ trustProxy: ['loopback'], proxyHeader: 'forwarded' });
    const long = Array.from({ length: 400 }, () => 'for=10.0.0.7').join(', ');
    expect(
      fwd({ remoteAddress: '127.0.0.1', headers: { forwarded: `${long}, for=203.0.113.10` } }).address,
    ).toBe('203.0.113.10');
  });

  it('answers unknown without a socket address', () => {
    expect(createClientAddressResolver()({ headers: {} })).toEqual({
      address: 'unknown',
      family: null,
      source: 'none',
      key: 'unknown',
    });
  });

  it('refuses a bad configuration at start-up', () => {
    expect(() => createClientAddressResolver({ trustProxy: ['not-a-cidr'] })).toThrow(ConfigError);
    expect(() => createClientAddressResolver({ trustProxy: -1 })).toThrow(ConfigError);
    expect(() => createClientAddressResolver({ ipv6PrefixLength: 0 })).toThrow(ConfigError);
  });

  it('a spoofed header from an untrusted peer never changes the result (property)', () => {
    const resolve = createClientAddressResolver({ trustProxy: ['10.0.0.0/8'] });
    fc.assert(
      fc.property(fc.oneof(publicV4, ipv6), fc.string(), fc.string(), (peer, xff, fwd) => {
        const r = resolve({ remoteAddress: peer, headers: headers(xff, fwd) });
        expect(r.source).toBe('socket');
        expect(r.address).toBe(formatIp(parseIp(peer)!));
      }),
      { numRuns: 1000 },
    );
  });

  it('whatever the client prepends, the first untrusted hop is the answer (property)', () => {
    const resolve = createClientAddressResolver({ trustProxy: ['10.0.0.0/8'] });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), ipv4, ipv6), { maxLength: 5 }),
        publicV4,
        fc.array(proxyV4, { minLength: 1, maxLength: 4 }),
        (spoofed, client, proxies) => {
          const [socket, ...inner] = [...proxies].reverse();
          const chain = [...spoofed.map((s) => s.replaceAll(',', '')), client, ...inner.reverse()];
          const r = resolve({ remoteAddress: socket, headers: headers(chain.join(', ')) });
          expect(r.address).toBe(client);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws on arbitrary socket addresses and headers (property)', () => {
    const resolve = createClientAddressResolver({ trustProxy: 5, proxyHeader: 'forwarded' });
    fc.assert(
      fc.property(fc.option(fc.string()), fc.string(), (remote, fwd) => {
        const r = resolve({ remoteAddress: remote ?? undefined, headers: { forwarded: fwd } });
        expect(typeof r.key).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});
