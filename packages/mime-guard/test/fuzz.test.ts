import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMimeGuard } from '../src/index.js';
import * as f from './fixtures.js';

const EXECUTABLE_HEADS: Uint8Array[] = [
  new Uint8Array(f.pe().subarray(0, 0x88)),
  new Uint8Array([0x7f, 0x45, 0x4c, 0x46]),
  new Uint8Array([0xcf, 0xfa, 0xed, 0xfe]),
  new Uint8Array([0xfe, 0xed, 0xfa, 0xce]),
  new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
  new TextEncoder().encode('#!/bin/sh\n'),
  new TextEncoder().encode('<?php '),
];
const ALLOWED_HEADS: Uint8Array[] = [f.png(), f.jpg(), f.gif(), f.pdf(), f.svgClean(), f.csvClean()].map(
  (b) => new Uint8Array(b.subarray(0, 16)),
);

const names = fc.oneof(
  fc.constant(undefined),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(
      fc.string({ unit: 'grapheme-ascii', maxLength: 10 }),
      fc.array(fc.constantFrom('png', 'jpg', 'pdf', 'exe', 'svg', 'csv', 'php', 'sh', 'txt', 'zip', ''), {
        maxLength: 3,
      }),
    )
    .map(([base, exts]) => [base, ...exts].join('.')),
);
const declared = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    'image/png',
    'application/pdf',
    'application/x-msdownload',
    'text/csv',
    'image/svg+xml',
    '',
  ),
  fc.string({ maxLength: 30 }),
);

// Every type the guard can be told to allow, so that only the always-refused rule stands between
// a fuzzed executable and acceptance.
const permissive = createMimeGuard({
  allow: [
    'images',
    'documents',
    'archives',
    'svg',
    'html',
    'xml',
    'csv',
    'txt',
    'bmp',
    'tif',
    'ico',
    'mp4',
    'mp3',
  ],
  checkDeclaredType: false,
  checkExtension: false,
});
const strict = createMimeGuard();

describe('createMimeGuard: fuzzing heads and names', () => {
  it('never throws and never accepts a type outside the allow-list or an executable (random bytes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc
            .tuple(fc.constantFrom(...ALLOWED_HEADS), fc.uint8Array({ maxLength: 300 }))
            .map(([h, t]) => concat(h, t)),
        ),
        names,
        declared,
        async (bytes, filename, declaredType) => {
          for (const guard of [strict, permissive]) {
            const d = await guard.inspect(bytes, { filename, declaredType });
            if (d.ok) {
              expect(d.type.category).not.toBe('executable');
              expect(guard.allowedTypes.map((t) => t.id)).toContain(d.type.id);
            } else {
              expect(d.error.status).toBeOneOf([413, 415, 422]);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses every executable head, whatever follows, whatever the name and the source kind', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...EXECUTABLE_HEADS),
        fc.uint8Array({ maxLength: 400 }),
        names,
        declared,
        fc.constantFrom('buffer', 'blob', 'node', 'web'),
        async (head, tail, filename, declaredType, kind) => {
          const bytes = concat(head, tail);
          const source =
            kind === 'buffer'
              ? bytes
              : kind === 'blob'
                ? new Blob([bytes])
                : kind === 'node'
                  ? Readable.from([Buffer.from(bytes)])
                  : new Blob([bytes]).stream();
          const d = await permissive.inspect(source, { filename, declaredType });
          expect(d.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
