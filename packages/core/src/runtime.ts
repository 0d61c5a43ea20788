/** The runtime, when it is one that hands an adapter no socket address (Bun, Deno, Workers). */
export function socketlessRuntime(): 'Bun' | 'Deno' | 'Cloudflare Workers' | undefined {
  const g = globalThis as { Bun?: unknown; Deno?: unknown; navigator?: { userAgent?: unknown } };
  if (g.Bun !== undefined) return 'Bun';
  if (g.Deno !== undefined) return 'Deno';
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'Cloudflare Workers';
  return undefined;
}
