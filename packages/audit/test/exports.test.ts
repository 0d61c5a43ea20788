import { describe, expect, it } from 'vitest';
import * as audit from '../src/index.js';

describe('@portcullis/audit public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(audit).sort()).toEqual([
      'AUDIT_EVENT_NAMES',
      'AUDIT_ONLY_EVENT_NAMES',
      'AuditError',
      'CANONICAL_FIELDS',
      'DEFAULT_ATTRIBUTE_KEYS',
      'EXIT_CODES',
      'FIELD_LIMITS',
      'GENESIS',
      'MIN_KEY_BYTES',
      'REDACTED',
      'REPLACEMENT',
      'canonicalize',
      'createAuditLog',
      'createChain',
      'createFileSink',
      'createMemorySink',
      'createPinoSink',
      'encodeField',
      'encodeText',
      'fileAccessEvent',
      'fileTransferOutcome',
      'importAuditKey',
      'installShutdownHooks',
      'lineOf',
      'looksSecret',
      'moduleKit',
      'nodeAuditFs',
      'outcomeFromStatus',
      'readLogLines',
      'recordHmac',
      'runCli',
      'signCheckpoint',
      'stripQuery',
      'verifyCheckpoint',
      'verifyFiles',
      'verifyLines',
    ]);
  });
});
