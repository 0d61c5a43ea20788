/**
 * Request headers as the three frameworks hand them over: Node's `IncomingHttpHeaders`
 * (lower-case keys, arrays for repeated headers) or a WHATWG `Headers` (Hono, fetch).
 */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Reads one header as a single string: repeated Node headers are joined with `", "`, as
 * RFC 9110 section 5.3 allows for list-valued fields. `name` must be lower case.
 */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const v = (headers as { get(name: string): string | null }).get(name);
    return v ?? undefined;
  }
  const v = (headers as Readonly<Record<string, string | readonly string[] | undefined>>)[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(', ');
}
