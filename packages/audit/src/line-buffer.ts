/**
 * The bytes of one batch's lines, encoded once. The chain signs each record's bytes where they
 * lie and the file sink writes the same bytes: no string is encoded twice, and the lines are
 * never joined into one string first.
 */
export class LineBuffer {
  #buf: Buffer;
  #len = 0;

  constructor(initialBytes = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.#len;
  }

  /** Appends `text` as UTF-8 and returns its bytes (a view, valid until the next append). */
  append(text: string): Buffer {
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
    this.#reserve(text.length * 3);
    const start = this.#len;
    this.#len += this.#buf.write(text, start, 'utf8');
    return this.#buf.subarray(start, this.#len);
  }

  /** Everything appended so far (a view, valid until the next append). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }
}
