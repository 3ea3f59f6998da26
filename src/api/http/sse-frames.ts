/**
 * SSE frames, encoded once however many subscribers get them. The feed hands
 * every subscriber whose filter took a whole read the same array of the same
 * row objects, so a batch is serialised once and the same Buffer is queued on
 * every socket (a socket that does not read holds a reference, not a copy).
 * A subscriber with a narrower filter gets its own array: its frames still
 * come from the per-row cache, and consecutive subscribers with the same
 * selection share the last batch.
 */

export class SseEncoder<Row extends { readonly id: number }> {
  readonly #kind: string;
  readonly #frames = new WeakMap<Row, string>();
  readonly #batches = new WeakMap<readonly Row[], Buffer>();
  #last: { rows: readonly Row[]; bytes: Buffer } | undefined;

  constructor(kind: string) {
    this.#kind = kind;
  }

  /** `id`, `event` and `data` of one row. */
  frame(row: Row): string {
    let f = this.#frames.get(row);
    if (f === undefined) {
      f = `id: ${row.id}\nevent: ${this.#kind}\ndata: ${JSON.stringify(row)}\n\n`;
      this.#frames.set(row, f);
    }
    return f;
  }

  /** The frames of rows, oldest first, as one chunk. */
  batch(rows: readonly Row[]): Buffer {
    const hit = this.#batches.get(rows) ?? this.#sameAsLast(rows);
    if (hit) return hit;
    let text = '';
    for (const r of rows) text += this.frame(r);
    const bytes = Buffer.from(text);
    this.#batches.set(rows, bytes);
    this.#last = { rows, bytes };
    return bytes;
  }

  #sameAsLast(rows: readonly Row[]): Buffer | undefined {
    const last = this.#last;
    if (!last || last.rows.length !== rows.length) return undefined;
    for (let i = 0; i < rows.length; i++) if (last.rows[i] !== rows[i]) return undefined;
    return last.bytes;
  }
}
