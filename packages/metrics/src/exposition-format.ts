import { type Metric, Registry, type RegistryContentType } from 'prom-client';

/** `prometheus`: text format 0.0.4. `openmetrics`: OpenMetrics 1.0.0 text. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** A rendered scrape. */
export interface Exposition {
  contentType: string;
  body: string;
}

/** Content type of the Prometheus text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;
/** Content type of OpenMetrics 1.0.0 text. */
export const OPENMETRICS_CONTENT_TYPE: string = Registry.OPENMETRICS_CONTENT_TYPE;

/** An Accept header longer than this is not parsed (a scraper sends well under 200 bytes). */
const MAX_ACCEPT_LENGTH = 1024;

/**
 * Picks the exposition format from an `Accept` header (RFC 9110 section 12.5.1): OpenMetrics
 * when `application/openmetrics-text` is acceptable with a weight at least that of `text/plain`
 * (Prometheus itself sends it first), else the Prometheus text format, which every scraper reads.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept.length === 0 || accept.length > MAX_ACCEPT_LENGTH) return 'prometheus';
  let open = -1;
  let text = -1;
  for (const range of accept.split(',')) {
    const parts = range.split(';');
    const type = parts[0]!.trim().toLowerCase();
    let q = 1;
    for (let i = 1; i < parts.length; i++) {
      const [k, v] = parts[i]!.split('=');
      if (k?.trim().toLowerCase() === 'q' && v !== undefined) {
        const parsed = Number(v.trim());
        q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    if (type === 'application/openmetrics-text') open = Math.max(open, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return open > 0 && open >= text ? 'openmetrics' : 'prometheus';
}

/**
 * A read-only view of `metric` under another family name. prom-client renames counters in place
 * (drops `_total`) when it renders OpenMetrics, which would leak into the next Prometheus scrape;
 * rendering a view keeps the registered collector untouched.
 */
function view(metric: Metric, name: string): Metric {
  const source = metric as Metric & { type: string; help: string; getForPromString?: () => Promise<object> };
  const render = async () => ({
    ...(source.getForPromString ? await source.getForPromString() : await metric.get()),
    name,
  });
  return { name, help: source.help, type: source.type, get: render } as unknown as Metric;
}

/** Renders `registry` in `format` without changing the registry's own content type or names. */
export async function renderRegistry(registry: Registry, format: ExpositionFormat): Promise<Exposition> {
  const wanted = format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
  if (format === 'prometheus' && registry.contentType === PROMETHEUS_CONTENT_TYPE) {
    return { contentType: wanted, body: await registry.metrics() };
  }
  const out = new Registry<RegistryContentType>();
  out.setContentType(wanted as RegistryContentType);
  for (const metric of registry.getMetricsAsArray() as unknown as Array<
    Metric & { name: string; type: string }
  >) {
    const name =
      format === 'openmetrics' && metric.type === 'counter'
        ? metric.name.replace(/_total$/, '')
        : metric.name;
    out.registerMetric(name === metric.name ? metric : view(metric, name));
  }
  return { contentType: wanted, body: await out.metrics() };
}
