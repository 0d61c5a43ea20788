import { describe, expect, it } from 'vitest';
import * as mimeGuard from '../src/index.js';

describe('@portcullis/mime-guard public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(mimeGuard).sort()).toEqual([
      'ALWAYS_REFUSED_TYPES',
      'DANGEROUS_EXTENSIONS',
      'DEFAULT_ALLOWED_TYPES',
      'DEFAULT_LINGER',
      'DEFAULT_MAX_FILES',
      'DEFAULT_MAX_FILE_SIZE',
      'DEFAULT_MAX_TEXT_SIZE',
      'DEFAULT_SAMPLE_SIZE',
      'MIME_PRESETS',
      'MimeGuardError',
      'contentDisposition',
      'createMimeGuard',
      'createUploadSession',
      'decodeFilename',
      'describeType',
      'drain',
      'escapeFilename',
      'findCsvFormula',
      'findSvgProblem',
      'guardMultipart',
      'inspectFilename',
      'isMimeGuardError',
      'isMultipartForm',
      'lingerAfterRefusal',
      'moduleKit',
      'safeStorageName',
      'servingHeaders',
      'sniffText',
    ]);
  });
});
