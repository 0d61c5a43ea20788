import { createManualClock } from '@portcullis/core';
import { refreshStoreContract, revocationStoreContract } from '@portcullis/testing';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryRefreshTokenStore, createMemoryRevocationStore } from '../src/index.js';

revocationStoreContract('memory', async () => {
  const clock = createManualClock();
  return { store: createMemoryRevocationStore({ clock, warn: false }), clock };
});
refreshStoreContract('memory', async () => {
  const clock = createManualClock();
  return { store: createMemoryRefreshTokenStore({ clock, warn: false }), clock };
});

describe('createMemoryRevocationStore', () => {
  it('forgets a revoked token once it has expired', async () => {
    const clock = createManualClock();
    const store = createMemoryRevocationStore({ clock, warn: false });
    await store.revokeToken('t', 'u', clock.now() + 1000);
    clock.advance(1001);
    expect(store.isRevoked('t', 'u', 0)).toBe(false);
  });

  it('warns once when full, since evicting a revocation would let its token pass again', async () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const clock = createManualClock();
    const store = createMemoryRevocationStore({ clock, warn: false, max: 2 });
    await store.revokeToken('a', 'u', clock.now() + 1000);
    await store.revokeToken('b', 'u', clock.now() + 1000);
    expect(spy).not.toHaveBeenCalled();
    await store.revokeToken('c', 'u', clock.now() + 1000);
    await store.revokeToken('d', 'u', clock.now() + 1000);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenCalledWith(expect.stringContaining('full'), 'PortcullisWarning');
    spy.mockRestore();
  });

  it('answers synchronously so the verify hot path skips a promise', () => {
    const store = createMemoryRevocationStore({ warn: false });
    expect(store.isRevoked('t', 'u', 0)).toBe(false);
  });

  it('warns at start-up that revocations are lost on restart', async () => {
    vi.resetModules();
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const fresh = await import('../src/memory-stores.js');
    fresh.createMemoryRevocationStore();
    expect(spy).toHaveBeenCalledWith(expect.stringContaining('lost on restart'), 'PortcullisWarning');
    spy.mockRestore();
  });
});

describe('memory stores on a runtime without process.emitWarning (workerd before 2025-09-15)', () => {
  it('warn through console.warn instead of throwing on creation and when full', async () => {
    const saved = process.emitWarning;
    (process as { emitWarning?: unknown }).emitWarning = undefined;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      vi.resetModules();
      const fresh = await import('../src/memory-stores.js');
      const clock = createManualClock();
      const store = fresh.createMemoryRevocationStore({ clock, max: 1 });
      await store.revokeToken('a', 'u', clock.now() + 1000);
      await store.revokeToken('b', 'u', clock.now() + 1000);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^PortcullisWarning: .*lost on restart/));
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^PortcullisWarning: .*is full/));
    } finally {
      process.emitWarning = saved;
      warn.mockRestore();
    }
  });
});
