export {
  type AuditLog,
  type AuditLogOptions,
  type AuditStats,
  createAuditLog,
} from './audit-log.js';
export type { OverflowPolicy } from './batch-writer.js';
export {
  type AuditKey,
  type Chain,
  createChain,
  GENESIS,
  importAuditKey,
  MIN_KEY_BYTES,
  recordHmac,
} from './chain.js';
export {
  type CheckpointOptions,
  type CheckpointPayload,
  type CheckpointSink,
  type SignedCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
export { encodeField, encodeText, looksSecret, REDACTED, REPLACEMENT, stripQuery } from './encode.js';
export { AuditError, type AuditErrorCode } from './errors.js';
export {
  type AuditFileHandle,
  type AuditFs,
  createFileSink,
  type FileSink,
  type FileSinkOptions,
  nodeAuditFs,
} from './file-sink.js';
export { AUDIT_KIT as moduleKit, type AuditKit } from './kit.js';
export {
  AUDIT_EVENT_NAMES,
  AUDIT_ONLY_EVENT_NAMES,
  type AuditEventName,
  type AuditFields,
  type AuditOutcome,
  type AuditRecord,
  type AuditRequestContext,
  CANONICAL_FIELDS,
  canonicalize,
  DEFAULT_ATTRIBUTE_KEYS,
  FIELD_LIMITS,
  type FileAccessInput,
  type FileAction,
  type FileTransferEnd,
  fileAccessEvent,
  fileTransferOutcome,
  lineOf,
  outcomeFromStatus,
} from './record.js';
export { installShutdownHooks, type ShutdownHookOptions } from './shutdown.js';
export {
  type AuditSink,
  createMemorySink,
  createPinoSink,
  type MemorySink,
  type PinoLike,
  type PinoSinkOptions,
} from './sink.js';
export {
  type LogLine,
  readLogLines,
  type TamperKind,
  type VerifyIssue,
  type VerifyOptions,
  type VerifyReport,
  verifyFiles,
  verifyLines,
} from './verify.js';
export { type CliIo, EXIT_CODES, runCli } from './verify-cli.js';
