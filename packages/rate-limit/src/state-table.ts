import type { AlgorithmState } from './algorithms.js';

/** Slots reserved by a new table; it doubles up to its bound as keys arrive. */
const INITIAL_SLOTS = 1024;
const NONE = -1;

/**
 * A bounded table of rate-limit states with least-recently-used eviction, built for the memory
 * store's hot path: one `Map` lookup per decision and no allocation per call.
 *
 * Why not lru-cache here: its `get` allocates an options object on every call and stores each
 * state as an object of five boxed numbers, which made the lookup most of a decision's cost and
 * about 200 bytes per key. Here a key's state is five numbers in `Float64Array` columns at a
 * slot index (`c` and `d` only once a sliding window stores them), and the recency list is two
 * `Int32Array` columns over the same slots: 32 bytes a key (48 with a sliding window) outside
 * the JS heap, plus the `Map` entry and the key string. The eviction order is
 * lru-cache's: a read or a write makes a key the most recent, an insert past the bound evicts the
 * least recent one. The differential test in test/state-table.test.ts holds it to lru-cache
 * (through core's createMemoryTtlStore) on random operation sequences.
 */
export class StateTable {
  readonly max: number;
  #index = new Map<string, number>();
  #keys: (string | undefined)[] = [];
  #a: Float64Array;
  #b: Float64Array;
  /** Only the sliding window uses `c` and `d`: their columns exist once a non-zero is stored. */
  #c: Float64Array | undefined;
  #d: Float64Array | undefined;
  #exp: Float64Array;
  #prev: Int32Array;
  #next: Int32Array;
  /** Least recent slot (evicted first) and most recent slot. */
  #head = NONE;
  #tail = NONE;
  /** Slots never used so far are `#used..capacity`; freed slots are chained through `#next`. */
  #used = 0;
  #free = NONE;

  constructor(max: number) {
    this.max = max;
    const n = Math.min(max, INITIAL_SLOTS);
    this.#a = new Float64Array(n);
    this.#b = new Float64Array(n);
    this.#exp = new Float64Array(n);
    this.#prev = new Int32Array(n);
    this.#next = new Int32Array(n);
  }

  get size(): number {
    return this.#index.size;
  }

  /** The slot of `key` made most recent, or -1 when absent. */
  find(key: string): number {
    const slot = this.#index.get(key);
    if (slot === undefined) return NONE;
    if (slot !== this.#tail) this.#moveToTail(slot);
    return slot;
  }

  /** Copies the state at `slot` into `into` (a scratch object the caller reuses). */
  read(slot: number, into: AlgorithmState): AlgorithmState {
    into.a = this.#a[slot]!;
    into.b = this.#b[slot]!;
    into.c = this.#c === undefined ? 0 : this.#c[slot]!;
    into.d = this.#d === undefined ? 0 : this.#d[slot]!;
    into.expiresAt = this.#exp[slot]!;
    return into;
  }

  /** Stores `s` at `slot`. */
  write(slot: number, s: AlgorithmState): void {
    this.#a[slot] = s.a;
    this.#b[slot] = s.b;
    if (this.#c === undefined && s.c !== 0) this.#c = new Float64Array(this.#a.length);
    if (this.#c !== undefined) this.#c[slot] = s.c;
    if (this.#d === undefined && s.d !== 0) this.#d = new Float64Array(this.#a.length);
    if (this.#d !== undefined) this.#d[slot] = s.d;
    this.#exp[slot] = s.expiresAt;
  }

  /**
   * Adds `key` (absent) with state `s` as the most recent key, evicting the least recent one
   * when the table is full. Returns its slot.
   */
  insert(key: string, s: AlgorithmState): number {
    let slot: number;
    if (this.#index.size >= this.max) {
      slot = this.#head;
      this.#unlink(slot);
      this.#index.delete(this.#keys[slot]!);
    } else if (this.#free !== NONE) {
      slot = this.#free;
      this.#free = this.#next[slot]!;
    } else {
      if (this.#used === this.#a.length) this.#grow();
      slot = this.#used++;
    }
    this.#keys[slot] = key;
    this.#index.set(key, slot);
    this.write(slot, s);
    this.#linkTail(slot);
    return slot;
  }

  /** Removes `key`; true when it was there. */
  delete(key: string): boolean {
    const slot = this.#index.get(key);
    if (slot === undefined) return false;
    this.#index.delete(key);
    this.#unlink(slot);
    this.#keys[slot] = undefined;
    this.#next[slot] = this.#free;
    this.#free = slot;
    return true;
  }

  /** Keys from the least to the most recent (tests and diagnostics). */
  keysByAge(): string[] {
    const out: string[] = [];
    for (let s = this.#head; s !== NONE; s = this.#next[s]!) out.push(this.#keys[s]!);
    return out;
  }

  #grow(): void {
    // 1.5x: less unused capacity than doubling, still amortised O(1) per insert.
    const n = Math.min(this.max, Math.ceil(this.#a.length * 1.5));
    const f = (old: Float64Array) => {
      const x = new Float64Array(n);
      x.set(old);
      return x;
    };
    const i = (old: Int32Array) => {
      const x = new Int32Array(n);
      x.set(old);
      return x;
    };
    this.#a = f(this.#a);
    this.#b = f(this.#b);
    if (this.#c !== undefined) this.#c = f(this.#c);
    if (this.#d !== undefined) this.#d = f(this.#d);
    this.#exp = f(this.#exp);
    this.#prev = i(this.#prev);
    this.#next = i(this.#next);
  }

  #unlink(slot: number): void {
    const p = this.#prev[slot]!;
    const n = this.#next[slot]!;
    if (p === NONE) this.#head = n;
    else this.#next[p] = n;
    if (n === NONE) this.#tail = p;
    else this.#prev[n] = p;
  }

  #linkTail(slot: number): void {
    this.#prev[slot] = this.#tail;
    this.#next[slot] = NONE;
    if (this.#tail === NONE) this.#head = slot;
    else this.#next[this.#tail] = slot;
    this.#tail = slot;
  }

  #moveToTail(slot: number): void {
    this.#unlink(slot);
    this.#linkTail(slot);
  }
}
