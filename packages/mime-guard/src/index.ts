export { isMimeGuardError, MimeGuardError, type MimeGuardErrorCode } from './errors.js';
export {
  contentDisposition,
  decodeFilename,
  escapeFilename,
  type FilenameInfo,
  type FilenameProblem,
  inspectFilename,
  safeStorageName,
} from './filename.js';
export {
  type AcceptedUpload,
  createMimeGuard,
  DEFAULT_MAX_FILE_SIZE,
  DEFAULT_MAX_FILES,
  DEFAULT_MAX_TEXT_SIZE,
  DEFAULT_SAMPLE_SIZE,
  type MimeGuard,
  type MimeGuardOptions,
  type RejectedUpload,
  type UploadDecision,
  type UploadMeta,
} from './guard.js';
export { MIME_GUARD_KIT as moduleKit, type MimeGuardKit } from './kit.js';
export { DEFAULT_LINGER, type LingerOptions, lingerAfterRefusal, type RefusalResponse } from './linger.js';
export {
  guardMultipart,
  isMultipartForm,
  type MultipartOptions,
  type MultipartResult,
} from './multipart.js';
export { type ServingOptions, servingHeaders } from './serving.js';
export {
  createUploadSession,
  type StoredUpload,
  type UploadSession,
  type UploadSessionOptions,
} from './session.js';
export { drain, type Replay, type UploadSource } from './source.js';
export { findCsvFormula, findSvgProblem, type SvgProblem, sniffText, type TextKind } from './text.js';
export {
  ALWAYS_REFUSED_TYPES,
  DANGEROUS_EXTENSIONS,
  DEFAULT_ALLOWED_TYPES,
  type DetectedType,
  describeType,
  type FileTypeCategory,
  MIME_PRESETS,
  type MimePresetName,
} from './types.js';
