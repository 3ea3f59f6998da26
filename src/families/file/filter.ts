/**
 * The file monitor's kernel-side filters as map values: path prefixes (the
 * kernel compares the path as the caller passed it, byte for byte), and the
 * counts that switch the prefix and cgroup filters on. Pure.
 */
import { FILE_CONFIG, FILE_PREFIX, FILE_PREFIX_LEN, FILE_PREFIX_MAX } from './layout.ts';

const utf8 = new TextEncoder();

/** Why a path prefix cannot be used by the kernel filter, or undefined when it can. */
export function pathPrefixProblem(prefix: string): string | undefined {
  if (!prefix.startsWith('/')) return 'must be an absolute path (start with /)';
  if (prefix.includes('\0')) return 'must not contain a NUL character';
  const bytes = utf8.encode(prefix).length;
  if (bytes >= FILE_PREFIX_LEN) {
    return `must be under ${FILE_PREFIX_LEN} bytes (the kernel compares at most ${FILE_PREFIX_LEN - 1}); this one is ${bytes}`;
  }
  return undefined;
}

/** Checks a whole list: at most FILE_PREFIX_MAX, each usable. Returns the problems, one per line. */
export function pathPrefixesProblems(prefixes: readonly string[]): string[] {
  const out: string[] = [];
  if (prefixes.length > FILE_PREFIX_MAX) {
    out.push(
      `at most ${FILE_PREFIX_MAX} path prefixes (the kernel filter has ${FILE_PREFIX_MAX} slots), got ${prefixes.length}`,
    );
  }
  prefixes.forEach((p, i) => {
    const why = pathPrefixProblem(p);
    if (why) out.push(`path prefix ${i} (${JSON.stringify(p)}) ${why}`);
  });
  return out;
}

/** struct bw_file_prefix for one prefix; throws RangeError for a prefix pathPrefixProblem rejects. */
export function encodeFilePrefix(prefix: string): Uint8Array {
  const why = pathPrefixProblem(prefix);
  if (why) throw new RangeError(`path prefix ${JSON.stringify(prefix)} ${why}`);
  const raw = utf8.encode(prefix);
  const out = new Uint8Array(FILE_PREFIX.size);
  new DataView(out.buffer).setUint32(FILE_PREFIX.fields.len.offset, raw.length, true);
  out.set(raw, FILE_PREFIX.fields.bytes.offset);
  return out;
}

/** struct bw_file_config: a count above zero turns that filter on. */
export function encodeFileConfig(prefixCount: number, cgroupCount: number): Uint8Array {
  const out = new Uint8Array(FILE_CONFIG.size);
  const v = new DataView(out.buffer);
  v.setUint32(FILE_CONFIG.fields.prefix_count.offset, prefixCount, true);
  v.setUint32(FILE_CONFIG.fields.cgroup_count.offset, cgroupCount, true);
  return out;
}
