/**
 * The framing of a ring buffer batch as the native bridge hands it over:
 * each record is u32 size | u32 reserved | data | padding to 8 bytes. Read
 * here for the typed eBPF library, and inline (with FRAME_HEADER) by the
 * hot decode loop, families/batch-decode.ts.
 */
/** Bytes before each record's data: u32 size, u32 reserved. */
export const FRAME_HEADER = 8;

export function forEachFrame(
  view: DataView,
  count: number,
  fn: (view: DataView, offset: number, size: number) => void,
): void {
  let off = 0;
  for (let i = 0; i < count; i++) {
    const size = view.getUint32(off, true);
    fn(view, off + FRAME_HEADER, size);
    off += FRAME_HEADER + ((size + 7) & ~7);
  }
}
