import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';

describe('@portcullis/core public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(core).sort()).toEqual([
      'ConfigError',
      'InputError',
      'PROBLEM_CONTENT_TYPE',
      'PROBLEM_TYPE_BASE',
      'PortcullisError',
      'SECURITY_EVENT_NAMES',
      'SHARD_TAG_LENGTH',
      'StoreError',
      'clientErrorStatus',
      'createCircuitBreaker',
      'createClientAddressResolver',
      'createEventBus',
      'createManualClock',
      'createMemoryTtlStore',
      'createStoreHealth',
      'defaultEventLevel',
      'formatIp',
      'isPortcullisError',
      'maskIp',
      'networkContains',
      'parseCidr',
      'parseForwardedFor',
      'parseIp',
      'parseNodeAddress',
      'problemTypeFor',
      'readHeader',
      'selectorTag',
      'shardTag',
      'systemClock',
      'taggedSelector',
      'toProblemResponse',
      'unmapIPv4',
      'withTimeout',
    ]);
  });
});
