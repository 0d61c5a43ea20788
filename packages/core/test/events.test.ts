import { describe, expect, it, vi } from 'vitest';
import { createEventBus, createManualClock, type SecurityEvent } from '../src/index.js';

describe('createEventBus', () => {
  it('delivers events with time from the clock and a default level', () => {
    const clock = createManualClock(42);
    const bus = createEventBus({ clock });
    const seen: SecurityEvent[] = [];
    bus.subscribe((e) => {
      seen.push(e);
    });
    bus.publish({ name: 'ratelimit_exceeded', resource: 'login', clientAddress: '192.0.2.1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ name: 'ratelimit_exceeded', time: 42, level: 'warn', resource: 'login' });
    expect(Object.isFrozen(seen[0])).toBe(true);
  });

  it('filters by name', () => {
    const bus = createEventBus();
    const fn = vi.fn();
    bus.subscribe(fn, ['upload_rejected']);
    bus.publish({ name: 'file_read' });
    bus.publish({ name: 'upload_rejected' });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a throwing subscriber never breaks the publisher nor its neighbours', () => {
    const errors: unknown[] = [];
    const bus = createEventBus({ onListenerError: (e) => errors.push(e) });
    const after = vi.fn();
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe(after);
    expect(() => bus.publish({ name: 'authn_login_fail' })).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    expect(errors).toHaveLength(1);
  });

  it('a rejecting async subscriber is reported, not unhandled', async () => {
    const errors: unknown[] = [];
    const bus = createEventBus({ onListenerError: (e) => errors.push(e) });
    bus.subscribe(async () => {
      throw new Error('async boom');
    });
    bus.publish({ name: 'authn_login_fail' });
    await Promise.resolve();
    await Promise.resolve();
    expect(errors).toHaveLength(1);
  });

  it('a failing error reporter is swallowed too', () => {
    const bus = createEventBus({
      onListenerError: () => {
        throw new Error('reporter down');
      },
    });
    bus.subscribe(() => {
      throw new Error('boom');
    });
    expect(() => bus.publish({ name: 'authz_fail' })).not.toThrow();
  });

  it('unsubscribes, even during a publish, without skipping neighbours', () => {
    const bus = createEventBus();
    const b = vi.fn();
    const unsubA = bus.subscribe(() => unsubA());
    bus.subscribe(b);
    bus.publish({ name: 'file_write' });
    expect(b).toHaveBeenCalledTimes(1);
    expect(bus.listenerCount).toBe(1);
  });
});
