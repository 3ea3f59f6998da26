/** Byte layout of a kernel record, as the decoders read it. A test checks
 * every layout against the compiled object's BTF. */
export interface Field {
  readonly offset: number;
  readonly size: number;
}

export interface StructLayout<F extends string = string> {
  /** The C struct name in bpf/include/events.h. */
  readonly name: string;
  readonly size: number;
  readonly fields: Readonly<Record<F, Field>>;
}

/** Builds a layout from consecutive (name, size) pairs with natural alignment. */
export function layout<F extends string>(
  name: string,
  spec: readonly (readonly [F, number, number?])[],
): StructLayout<F> {
  const fields = {} as Record<F, Field>;
  let off = 0;
  let maxAlign = 1;
  for (const [field, size, alignOverride] of spec) {
    const align = alignOverride ?? Math.min(size, 8);
    maxAlign = Math.max(maxAlign, align);
    off = Math.ceil(off / align) * align;
    fields[field] = { offset: off, size };
    off += size;
  }
  return { name, size: Math.ceil(off / maxAlign) * maxAlign, fields };
}
