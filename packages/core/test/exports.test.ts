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
      'StoreError',
      'clientErrorStatus',
      'compilePathPattern',
      'contextOf',
      'createCircuitBreaker',
      'createClientAddressResolver',
      'createEventBus',
      'createManualClock',
      'createMemoryTtlStore',
      'createSecurityContext',
      'defaultEventLevel',
      'describeError',
      'formatIp',
      'isPortcullisError',
      'isResolvedClient',
      'maskIp',
      'need',
      'networkContains',
      'normalisePath',
      'parseCidr',
      'parseForwardedFor',
      'parseIp',
      'parseNodeAddress',
      'problemTypeFor',
      'readHeader',
      'requestPath',
      'systemClock',
      'toProblemResponse',
      'unmapIPv4',
      'withTimeout',
    ]);
  });
});
