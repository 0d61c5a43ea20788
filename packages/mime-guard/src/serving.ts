import { contentDisposition } from './filename.js';
import type { DetectedType } from './types.js';

/** Options of {@link servingHeaders}. */
export interface ServingOptions {
  /** Name offered to the user agent (the original name, kept as metadata). */
  filename?: string | undefined;
}

// Raster images are safe to show inline; SVG is not (it runs scripts), nor is anything else.
const INLINE = new Set(['png', 'apng', 'jpg', 'gif', 'webp', 'avif', 'bmp', 'ico', 'heic', 'tif']);

/**
 * Headers for returning a stored upload: the detected `Content-Type` (never the client's),
 * `X-Content-Type-Options: nosniff` so browsers do not second-guess it, `Content-Disposition:
 * attachment` for anything but a raster image, and a `sandbox` CSP so a file opened directly runs
 * no script (OWASP File Upload Cheat Sheet, "File storage"; OWASP Secure Headers Project;
 * RFC 6266 for the disposition).
 *
 * @example
 * ```ts
 * res.set(servingHeaders(upload.type, { filename: upload.filename })).send(bytes);
 * ```
 */
export function servingHeaders(
  type: Pick<DetectedType, 'id' | 'mime'>,
  options: ServingOptions = {},
): Record<string, string> {
  const inline = INLINE.has(type.id);
  const textual = type.mime.startsWith('text/') || type.mime.endsWith('+xml') || type.mime.endsWith('/xml');
  return {
    'Content-Type': textual ? `${type.mime}; charset=utf-8` : type.mime,
    'X-Content-Type-Options': 'nosniff',
    'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', options.filename),
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
