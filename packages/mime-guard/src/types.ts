/**
 * The catalogue of file types the guard knows by name: what file-type detects, plus the text
 * formats it cannot tell apart by magic bytes (SVG, HTML, CSV, plain text, scripts).
 */

/** Family of a type: drives presets, the always-refused rule and how a file is served. */
export type FileTypeCategory = 'image' | 'document' | 'archive' | 'text' | 'executable' | 'media' | 'other';

/** A detected (or allowed) type: its id, canonical media type and canonical extension. */
export interface DetectedType {
  /** Type id: file-type's `ext` (`png`, `pdf`, `docx`, ...) or a text id (`svg`, `csv`, `txt`, `html`, `script`). */
  readonly id: string;
  /** Canonical media type sent back when the file is served. */
  readonly mime: string;
  /** Canonical extension used for storage names (no dot). */
  readonly ext: string;
  readonly category: FileTypeCategory;
}

interface CatalogueEntry {
  mime: string;
  category: FileTypeCategory;
  /** Extensions a client may legitimately use for this type (first is canonical). */
  exts: readonly string[];
  /** Other media types clients declare for it. */
  aliases?: readonly string[];
}

const CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {
  png: { mime: 'image/png', category: 'image', exts: ['png'], aliases: ['image/x-png'] },
  apng: { mime: 'image/apng', category: 'image', exts: ['png', 'apng'], aliases: ['image/png'] },
  jpg: {
    mime: 'image/jpeg',
    category: 'image',
    exts: ['jpg', 'jpeg', 'jpe', 'jfif'],
    aliases: ['image/jpg', 'image/pjpeg'],
  },
  gif: { mime: 'image/gif', category: 'image', exts: ['gif'] },
  webp: { mime: 'image/webp', category: 'image', exts: ['webp'] },
  avif: { mime: 'image/avif', category: 'image', exts: ['avif'] },
  heic: { mime: 'image/heic', category: 'image', exts: ['heic', 'heif'], aliases: ['image/heif'] },
  bmp: { mime: 'image/bmp', category: 'image', exts: ['bmp'], aliases: ['image/x-ms-bmp'] },
  tif: { mime: 'image/tiff', category: 'image', exts: ['tif', 'tiff'] },
  ico: { mime: 'image/x-icon', category: 'image', exts: ['ico'], aliases: ['image/vnd.microsoft.icon'] },
  pdf: { mime: 'application/pdf', category: 'document', exts: ['pdf'], aliases: ['application/x-pdf'] },
  docx: {
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    category: 'document',
    exts: ['docx'],
  },
  xlsx: {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    category: 'document',
    exts: ['xlsx'],
  },
  pptx: {
    mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    category: 'document',
    exts: ['pptx'],
  },
  odt: { mime: 'application/vnd.oasis.opendocument.text', category: 'document', exts: ['odt'] },
  ods: { mime: 'application/vnd.oasis.opendocument.spreadsheet', category: 'document', exts: ['ods'] },
  odp: { mime: 'application/vnd.oasis.opendocument.presentation', category: 'document', exts: ['odp'] },
  rtf: { mime: 'application/rtf', category: 'document', exts: ['rtf'], aliases: ['text/rtf'] },
  epub: { mime: 'application/epub+zip', category: 'document', exts: ['epub'] },
  zip: {
    mime: 'application/zip',
    category: 'archive',
    exts: ['zip'],
    aliases: ['application/x-zip-compressed', 'application/x-zip'],
  },
  gz: { mime: 'application/gzip', category: 'archive', exts: ['gz', 'tgz'], aliases: ['application/x-gzip'] },
  'tar.gz': {
    mime: 'application/gzip',
    category: 'archive',
    exts: ['gz', 'tgz'],
    aliases: ['application/x-gzip'],
  },
  tar: { mime: 'application/x-tar', category: 'archive', exts: ['tar'] },
  '7z': { mime: 'application/x-7z-compressed', category: 'archive', exts: ['7z'] },
  rar: {
    mime: 'application/x-rar-compressed',
    category: 'archive',
    exts: ['rar'],
    aliases: ['application/vnd.rar'],
  },
  bz2: { mime: 'application/x-bzip2', category: 'archive', exts: ['bz2'] },
  xz: { mime: 'application/x-xz', category: 'archive', exts: ['xz'] },
  zst: { mime: 'application/zstd', category: 'archive', exts: ['zst'] },
  svg: { mime: 'image/svg+xml', category: 'text', exts: ['svg'] },
  html: { mime: 'text/html', category: 'text', exts: ['html', 'htm'] },
  xml: { mime: 'application/xml', category: 'text', exts: ['xml'], aliases: ['text/xml'] },
  csv: {
    mime: 'text/csv',
    category: 'text',
    exts: ['csv'],
    aliases: ['application/vnd.ms-excel', 'text/plain', 'application/csv'],
  },
  txt: { mime: 'text/plain', category: 'text', exts: ['txt', 'text', 'log', 'md'] },
  // Executables and scripts: refused whatever the allow-list says.
  exe: {
    mime: 'application/x-msdownload',
    category: 'executable',
    exts: ['exe', 'dll', 'sys', 'scr', 'com'],
  },
  elf: { mime: 'application/x-elf', category: 'executable', exts: ['elf', 'so', 'bin', 'o'] },
  macho: { mime: 'application/x-mach-binary', category: 'executable', exts: ['macho', 'dylib'] },
  wasm: { mime: 'application/wasm', category: 'executable', exts: ['wasm'] },
  class: { mime: 'application/java-vm', category: 'executable', exts: ['class'] },
  jar: { mime: 'application/java-archive', category: 'executable', exts: ['jar'] },
  apk: { mime: 'application/vnd.android.package-archive', category: 'executable', exts: ['apk'] },
  swf: { mime: 'application/x-shockwave-flash', category: 'executable', exts: ['swf'] },
  lnk: { mime: 'application/x.ms.shortcut', category: 'executable', exts: ['lnk'] },
  reg: { mime: 'application/x-ms-regedit', category: 'executable', exts: ['reg'] },
  crx: { mime: 'application/x-google-chrome-extension', category: 'executable', exts: ['crx'] },
  xpi: { mime: 'application/x-xpinstall', category: 'executable', exts: ['xpi'] },
  deb: { mime: 'application/x-deb', category: 'executable', exts: ['deb'] },
  rpm: { mime: 'application/x-rpm', category: 'executable', exts: ['rpm'] },
  chm: { mime: 'application/vnd.ms-htmlhelp', category: 'executable', exts: ['chm'] },
  script: { mime: 'text/x-script', category: 'executable', exts: ['sh', 'bash', 'py', 'pl', 'rb', 'php'] },
};

/**
 * Type ids refused whatever the allow-list says: native and VM executables, installers and
 * scripts (OWASP File Upload Cheat Sheet, "List allowed extensions" and "Content-Type validation").
 */
export const ALWAYS_REFUSED_TYPES: readonly string[] = Object.freeze(
  Object.entries(CATALOGUE)
    .filter(([, e]) => e.category === 'executable')
    .map(([id]) => id),
);

/**
 * Extensions that mark a name as executable or server-interpreted; one anywhere in a name with
 * several extensions (`invoice.pdf.exe`, `photo.php.jpg`) is refused (OWASP File Upload Cheat
 * Sheet, "Extension validation": double extensions).
 */
export const DANGEROUS_EXTENSIONS: ReadonlySet<string> = new Set([
  ...Object.values(CATALOGUE)
    .filter((e) => e.category === 'executable')
    .flatMap((e) => e.exts),
  'bat',
  'cmd',
  'msi',
  'msp',
  'ps1',
  'psm1',
  'vbs',
  'vbe',
  'js',
  'jse',
  'mjs',
  'cjs',
  'wsf',
  'wsh',
  'hta',
  'cpl',
  'pif',
  'gadget',
  'inf',
  'php3',
  'php4',
  'php5',
  'php7',
  'phtml',
  'phar',
  'pht',
  'jsp',
  'jspx',
  'asp',
  'aspx',
  'cer',
  'asa',
  'cgi',
  'shtml',
  'html',
  'htm',
  'xhtml',
  'svg',
  'swf',
  'app',
  'command',
  'csh',
  'ksh',
  'zsh',
  'appimage',
  'run',
  'out',
]);

/** Named allow-lists: pass their ids (or the preset names themselves) to `allow`. */
export const MIME_PRESETS = {
  /** Raster images browsers render without scripts. */
  images: ['png', 'jpg', 'gif', 'webp', 'avif'],
  /** PDF and the office formats file-type tells apart by their bytes. */
  documents: ['pdf', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp'],
  /** Archives: refused unless allowed; the guard never inflates them. */
  archives: ['zip', 'gz', 'tar.gz', 'tar', '7z', 'rar', 'bz2', 'xz', 'zst'],
} as const satisfies Record<string, readonly string[]>;

/** Name of a preset in {@link MIME_PRESETS}. */
export type MimePresetName = keyof typeof MIME_PRESETS;

/** Default allow-list: images and PDF, the uploads most apps take from users. */
export const DEFAULT_ALLOWED_TYPES: readonly string[] = Object.freeze([...MIME_PRESETS.images, 'pdf']);

/** The catalogue entry for an id, or undefined for an id file-type knows but we do not list. */
export function describeType(id: string, mime?: string): DetectedType {
  const entry = CATALOGUE[id];
  if (entry) return { id, mime: entry.mime, ext: entry.exts[0] ?? id, category: entry.category };
  return { id, mime: mime ?? 'application/octet-stream', ext: id, category: 'other' };
}

/** True when `id` names a type the guard knows (file-type's list or our text ids). */
export function isKnownType(id: string): boolean {
  return id in CATALOGUE;
}

/** Extensions a name may carry for this type. */
export function extensionsOf(id: string): readonly string[] {
  return CATALOGUE[id]?.exts ?? [id];
}

/** Media types a client may declare for this type. */
export function mediaTypesOf(id: string): readonly string[] {
  const entry = CATALOGUE[id];
  return entry ? [entry.mime, ...(entry.aliases ?? [])] : [];
}
