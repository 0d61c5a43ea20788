/**
 * A plain SVG line plot of Prometheus range-query series, so docs can show what a real run
 * collected (examples/test/prometheus.test.ts writes one when PROMETHEUS_PLOT_SVG is set).
 */
import type { PromSeries } from '../../test-utils/prometheus.ts';

const COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Renders `series` (x: unix seconds, y: value in `unit`) as an SVG document with axes and a legend. */
export function renderSvgPlot(title: string, unit: string, series: readonly PromSeries[]): string {
  const W = 760;
  const H = 360;
  const left = 56;
  const right = 250;
  const top = 36;
  const bottom = 40;
  const points = series.flatMap((s) => s.values.map(([t, v]) => [t, Number(v)] as const));
  const finite = points.filter(([, v]) => Number.isFinite(v));
  const t0 = Math.min(...finite.map(([t]) => t));
  const t1 = Math.max(...finite.map(([t]) => t));
  const peak = Math.max(1e-9, ...finite.map(([, v]) => v));
  // Four gridlines at round values: whole steps once the values are counts of 4 or more.
  const vmax = peak >= 4 ? Math.ceil(peak / 4) * 4 : peak;
  const x = (t: number) => left + ((t - t0) / Math.max(1, t1 - t0)) * (W - left - right);
  const y = (v: number) => H - bottom - (v / vmax) * (H - top - bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="13">${esc(title)}</text>`,
    `<line x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}" stroke="#333"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (vmax * i) / 4;
    out.push(
      `<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${W - right}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${peak >= 4 ? v : v.toFixed(2)}</text>`,
    );
  }
  out.push(
    `<text x="${left}" y="${H - 12}">0 s</text>`,
    `<text x="${W - right}" y="${H - 12}" text-anchor="end">${Math.round(t1 - t0)} s</text>`,
    `<text x="14" y="${top - 10}">${esc(unit)}</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const d = s.values
      .filter(([, v]) => Number.isFinite(Number(v)))
      .map(([t, v], k) => `${k === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(Number(v)).toFixed(1)}`)
      .join(' ');
    // The last value in the legend: lines that coincide hide each other.
    const last = s.values.at(-1)?.[1] ?? '';
    const label = `${Object.values(s.metric).join(' ')}: ${last}`;
    out.push(
      `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>`,
      `<rect x="${W - right + 14}" y="${top + i * 16 - 8}" width="10" height="10" fill="${colour}"/>`,
      `<text x="${W - right + 30}" y="${top + i * 16 + 1}">${esc(label)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}
