/**
 * The framing of a ring buffer batch as the native bridge hands it over:
 * each record is u32 size | u32 reserved | data | padding to 8 bytes. The
 * one reader of that framing, for the typed eBPF library and the decoders.
 */
export function forEachFrame(
  view: DataView,
  count: number,
  fn: (view: DataView, offset: number, size: number) => void,
): void {
  let off = 0;
  for (let i = 0; i < count; i++) {
    const size = view.getUint32(off, true);
    fn(view, off + 8, size);
    off += 8 + ((size + 7) & ~7);
  }
}
