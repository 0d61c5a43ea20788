/**
 * Per-request cost of resolving the client address (it runs on every request of every module),
 * next to proxy-addr, which Express uses for `req.ip` behind `trust proxy`. Same inputs, same
 * trust configuration on both sides.
 */
import type { IncomingMessage } from 'node:http';
import { createClientAddressResolver } from '@portcullis/core';
import proxyAddr from 'proxy-addr';
import { report, runCases } from './lib.ts';

const direct = createClientAddressResolver();
const proxied = createClientAddressResolver({ trustProxy: ['loopback', '10.0.0.0/8'] });
const headers = { 'x-forwarded-for': '203.0.113.9, 10.0.0.7, 10.0.0.8' };
const trust = proxyAddr.compile(['loopback', '10.0.0.0/8']);
const trustNone = proxyAddr.compile([]);
const fake = (remoteAddress: string, h: Record<string, string>) =>
  ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: h }) as unknown as IncomingMessage;
const reqChain = fake('127.0.0.1', headers);
const reqV4 = fake('203.0.113.9', {});
const reqV6 = fake('2001:db8:1:2::99', {});

// A flood of distinct peers defeats the resolver's per-peer cache: measure that path too.
const distinct = Array.from(
  { length: 100_000 },
  (_, i) => `2001:db8:${(i >> 8).toString(16)}:${(i & 255).toString(16)}::${(i % 7).toString(16)}`,
);
const distinctReqs = distinct.map((a) => fake(a, {}));
let k = 0;

const results = await runCases([
  {
    id: 'socket-v4/portcullis',
    baseline: 'socket-v4/proxy-addr',
    fn: () => direct({ remoteAddress: '203.0.113.9', headers: {} }),
  },
  { id: 'socket-v4/proxy-addr', fn: () => proxyAddr(reqV4, trustNone) },
  {
    id: 'socket-v6/portcullis',
    baseline: 'socket-v6/proxy-addr',
    fn: () => direct({ remoteAddress: '2001:db8:1:2::99', headers: {} }),
  },
  { id: 'socket-v6/proxy-addr', fn: () => proxyAddr(reqV6, trustNone) },
  {
    id: 'distinct-v6/portcullis',
    baseline: 'distinct-v6/proxy-addr',
    fn: () => direct({ remoteAddress: distinct[k++ % distinct.length], headers: {} }),
  },
  { id: 'distinct-v6/proxy-addr', fn: () => proxyAddr(distinctReqs[k++ % distinctReqs.length]!, trustNone) },
  {
    id: 'trusted-chain/portcullis',
    baseline: 'trusted-chain/proxy-addr',
    fn: () => proxied({ remoteAddress: '127.0.0.1', headers }),
  },
  { id: 'trusted-chain/proxy-addr', fn: () => proxyAddr(reqChain, trust) },
]);
report('core', results);
