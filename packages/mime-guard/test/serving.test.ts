import { describe, expect, it } from 'vitest';
import { describeType, servingHeaders } from '../src/index.js';

describe('servingHeaders', () => {
  it('serves a raster image inline with its detected type and nosniff', () => {
    expect(servingHeaders(describeType('png'), { filename: 'cat.png' })).toEqual({
      'Content-Type': 'image/png',
      'X-Content-Type-Options': 'nosniff',
      'Content-Disposition': `inline; filename="cat.png"; filename*=UTF-8''cat.png`,
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
  });

  it('serves anything not a raster image as an attachment: PDF, SVG, CSV', () => {
    expect(servingHeaders(describeType('pdf'))['Content-Disposition']).toBe('attachment');
    const svg = servingHeaders(describeType('svg'), { filename: 'logo.svg' });
    expect(svg['Content-Disposition']).toMatch(/^attachment; /);
    expect(svg['Content-Type']).toBe('image/svg+xml; charset=utf-8');
    expect(servingHeaders(describeType('csv'))['Content-Type']).toBe('text/csv; charset=utf-8');
  });

  it('keeps a hostile original name inside its parameter', () => {
    const h = servingHeaders(describeType('pdf'), { filename: 'a";\r\nSet-Cookie: x=1.pdf' });
    expect(h['Content-Disposition']).toBe(
      `attachment; filename="a__Set-Cookie: x=1.pdf"; filename*=UTF-8''a%22%3BSet-Cookie%3A%20x%3D1.pdf`,
    );
  });
});
