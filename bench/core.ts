/**
 * Per-request cost of resolving the client address (it runs on every request of every module)
 * next to the cost of parsing X-Forwarded-For the way proxy-addr does it for Express.
 */
import { createClientAddressResolver } from '@portcullis/core';
import { report, runCases } from './lib.ts';

const direct = createClientAddressResolver();
const proxied = createClientAddressResolver({ trustProxy: ['loopback', '10.0.0.0/8'] });
const headers = { 'x-forwarded-for': '203.0.113.9, 10.0.0.7, 10.0.0.8' };

const results = await runCases([
  { id: 'client-address/socket', fn: () => direct({ remoteAddress: '203.0.113.9', headers: {} }) },
  { id: 'client-address/socket-v6', fn: () => direct({ remoteAddress: '2001:db8:1:2::99', headers: {} }) },
  { id: 'client-address/trusted-chain', fn: () => proxied({ remoteAddress: '127.0.0.1', headers }) },
]);
report('core', results);
