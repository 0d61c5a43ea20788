import { createManualClock } from '@portcullis/core';
import { runResetTokenStoreContract } from '@portcullis/testing';
import { describe, expect, it } from 'vitest';
import { createMemoryResetTokenStore } from '../src/index.js';

runResetTokenStoreContract('memory', () => createMemoryResetTokenStore());

describe('createMemoryResetTokenStore', () => {
  it('forgets a token once its ttl has passed (clock injected)', async () => {
    const clock = createManualClock();
    const s = createMemoryResetTokenStore({ clock });
    await s.save('sel', { userId: 'u', verifierHash: 'ab', expiresAt: clock.now() + 1000 }, 1000);
    clock.advance(1001);
    expect(await s.peek('sel')).toBeUndefined();
  });

  it('stays bounded: the oldest token is evicted past max', async () => {
    const s = createMemoryResetTokenStore({ max: 2 });
    for (const sel of ['a', 'b', 'c'])
      await s.save(sel, { userId: sel, verifierHash: 'ab', expiresAt: 1 }, 60_000);
    expect(await s.peek('a')).toBeUndefined();
    expect(await s.peek('c')).toBeDefined();
  });
});
