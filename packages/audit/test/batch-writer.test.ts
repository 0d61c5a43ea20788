/** The bounded batch writer on its own: numbers in, batches out, no HMAC chain, fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BatchWriterOptions, createBatchWriter } from '../src/batch-writer.js';

interface Batch {
  items: number[];
  dropped: number;
}

function setup(over: Partial<BatchWriterOptions<number, Batch>> = {}) {
  const written: Batch[] = [];
  const sealed: Batch[] = [];
  const errors: unknown[] = [];
  let failNext = 0;
  const writer = createBatchWriter<number, Batch>({
    maxQueue: 4,
    batchSize: 3,
    flushIntervalMs: 100,
    overflow: 'block',
    seal(items, dropped) {
      const b = { items: [...items], dropped };
      sealed.push(b);
      return b;
    },
    size: (b) => b.items.length + (b.dropped > 0 ? 1 : 0),
    async write(b) {
      if (failNext > 0) {
        failNext--;
        throw new Error('disk full');
      }
      written.push(b);
    },
    onWriteError: (e) => errors.push(e),
    ...over,
  });
  return { writer, written, sealed, errors, failTimes: (n: number) => (failNext = n) };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createBatchWriter', () => {
  it('writes a partial batch after the flush interval, a full one at once (and drains the rest with it)', async () => {
    const { writer, written } = setup();
    for (const n of [1, 2]) void writer.accept(n);
    await vi.advanceTimersByTimeAsync(99);
    expect(written).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(written.map((b) => b.items)).toEqual([[1, 2]]);
    for (const n of [3, 4, 5, 6]) void writer.accept(n);
    await vi.advanceTimersByTimeAsync(0);
    expect(written.map((b) => b.items)).toEqual([[1, 2], [3, 4, 5], [6]]);
    expect(writer.stats()).toEqual({ accepted: 6, written: 6, dropped: 0, pending: 0 });
  });

  it('drop: counts what does not fit and tells the next batch how many', async () => {
    const { writer, written } = setup({ overflow: 'drop' });
    for (let n = 1; n <= 7; n++) writer.accept(n);
    expect(writer.stats()).toMatchObject({ accepted: 4, dropped: 3, pending: 4 });
    await writer.flush();
    expect(written).toEqual([
      { items: [1, 2], dropped: 3 },
      { items: [3, 4], dropped: 0 },
    ]);
  });

  it('fail: throws ERR_AUDIT_QUEUE_FULL when the queue is full', () => {
    const { writer } = setup({ overflow: 'fail' });
    for (let n = 1; n <= 4; n++) writer.accept(n);
    expect(() => writer.accept(5)).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_QUEUE_FULL' }));
  });

  it('block: waits for room, and past maxQueue waiters drops (memory stays bounded)', async () => {
    const { writer, written } = setup();
    for (let n = 1; n <= 4; n++) expect(writer.accept(n)).toBeUndefined();
    const waits = [5, 6, 7, 8].map((n) => writer.accept(n));
    expect(waits.every((w) => w instanceof Promise)).toBe(true);
    expect(writer.accept(9)).toBeUndefined(); // the 5th waiter: dropped
    expect(writer.stats()).toMatchObject({ dropped: 1, pending: 8 });
    await Promise.all([writer.flush(), ...waits]);
    expect(written.flatMap((b) => b.items)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(written.some((b) => b.dropped === 1)).toBe(true);
  });

  it('retries the same sealed batch with a doubling backoff capped at 5 s', async () => {
    const { writer, written, sealed, errors, failTimes } = setup();
    failTimes(7);
    for (const n of [1, 2, 3]) void writer.accept(n);
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    // Retries after 200, 400, 800, 1600, 3200, then 5000 ms (capped), then success.
    for (const [wait, failures] of [
      [199, 1],
      [1, 2],
      [400, 3],
      [800, 4],
      [1600, 5],
      [3200, 6],
      [4999, 6],
      [1, 7],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait);
      expect(errors).toHaveLength(failures);
    }
    expect(written).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(written.map((b) => b.items)).toEqual([[1, 2, 3]]);
    expect(sealed).toHaveLength(1); // sealed once, written once after seven failures
    expect(writer.stats()).toMatchObject({ written: 3, pending: 0 });
  });

  it('flush rejects with ERR_AUDIT_WRITE_FAILED while the sink fails, and keeps the batch', async () => {
    const { writer, written, failTimes } = setup();
    failTimes(1);
    void writer.accept(1);
    await expect(writer.flush()).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE_FAILED' });
    expect(writer.stats().pending).toBe(1);
    await writer.flush();
    expect(written.map((b) => b.items)).toEqual([[1]]);
  });

  it('close writes what is queued, then refuses with ERR_AUDIT_CLOSED; dropped() after close only counts', async () => {
    const { writer, written } = setup();
    void writer.accept(1);
    await writer.close();
    expect(written.map((b) => b.items)).toEqual([[1]]);
    expect(writer.closed).toBe(true);
    expect(() => writer.accept(2)).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_CLOSED' }));
    writer.dropped();
    expect(writer.stats()).toMatchObject({ dropped: 1, pending: 0 });
  });

  it('refuses a bad configuration at start-up', () => {
    expect(() => setup({ batchSize: 0 })).toThrow(/batchSize/);
    expect(() => setup({ overflow: 'maybe' as never })).toThrow(/overflow/);
  });
});
