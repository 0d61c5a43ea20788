import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventBus, emitPortcullisWarning } from '../src/index.js';

// Cloudflare Workers before compatibility date 2025-09-15 have `process` (nodejs_compat) but no
// `process.emitWarning`; a warning there must not throw, nor vanish.
const saved = process.emitWarning;
const withoutEmitWarning = () => {
  (process as { emitWarning?: unknown }).emitWarning = undefined;
};
afterEach(() => {
  process.emitWarning = saved;
  vi.restoreAllMocks();
});

describe('portable warnings', () => {
  it('a failing subscriber is reported through console.warn where process.emitWarning is missing', () => {
    withoutEmitWarning();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const bus = createEventBus();
    bus.subscribe(() => {
      throw new Error('sink down');
    });
    expect(() => bus.publish({ name: 'authn_login_fail' })).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'PortcullisWarning: security event subscriber failed on authn_login_fail: sink down',
    );
  });

  it('goes through process.emitWarning where the runtime has it (Node, Bun, Deno)', () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    emitPortcullisWarning('hello');
    expect(emit).toHaveBeenCalledWith('hello', 'PortcullisWarning');
    expect(warn).not.toHaveBeenCalled();
  });

  it('goes to console.warn on Workers, whose process.emitWarning prints nothing', () => {
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      emitPortcullisWarning('hello');
    } finally {
      vi.unstubAllGlobals();
    }
    expect(warn).toHaveBeenCalledWith('PortcullisWarning: hello');
    expect(emit).not.toHaveBeenCalled();
  });

  it('never throws, even when the warning machinery does', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {
      throw new Error('listener threw');
    });
    expect(() => emitPortcullisWarning('x')).not.toThrow();
  });
});
