/**
 * A small parser of the Prometheus text format 0.0.4 and OpenMetrics text, for tests: metric
 * families (HELP/TYPE) and samples with their labels, escapes undone.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedExposition {
  types: Map<string, string>;
  samples: Sample[];
  eof: boolean;
}

function unescapeValue(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

export function parseExposition(text: string): ParsedExposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  let eof = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line === '# EOF') {
      eof = true;
      continue;
    }
    if (line.startsWith('#')) {
      const m = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (m) types.set(m[1]!, m[2]!);
      else if (!line.startsWith('# HELP ')) throw new Error(`bad comment line: ${line}`);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \S+)?$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    let consumed = 0;
    for (let l = re.exec(body); l !== null; l = re.exec(body)) {
      labels[l[1]!] = unescapeValue(l[2]!);
      consumed += l[0].length;
    }
    if (consumed !== body.length) throw new Error(`bad labels: ${body}`);
    const raw = m[3]!;
    const value =
      raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    samples.push({ name: m[1]!, labels, value });
  }
  return { types, samples, eof };
}

/** The value of the one sample matching `name` and every label in `labels`; 0 when absent. */
export function sampleValue(
  parsed: ParsedExposition,
  name: string,
  labels: Record<string, string> = {},
): number {
  const hits = parsed.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return hits.reduce((sum, s) => sum + s.value, 0);
}

/** Distinct label sets of `name`. */
export function seriesOf(parsed: ParsedExposition, name: string): Array<Record<string, string>> {
  return parsed.samples.filter((s) => s.name === name).map((s) => s.labels);
}
