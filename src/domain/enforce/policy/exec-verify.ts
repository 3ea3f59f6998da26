/**
 * Content (sha256) rules, the part the agent decides: a stopped exec's
 * request from the kernel (bw_exec_verify), the file identity a verdict is
 * stored under, and the decision the kernel would have made had it known
 * which content slots the file matches. Pure: the adapter hashes and
 * signals (src/enforce/exec/exec-verifier.ts).
 */

import { HEADER } from '../../layout/header.ts';
import { POLICY } from '../../layout/policy-record.ts';
import { EXEC_FILE_KEY, EXEC_VERIFY, POLICY_RULE_WORDS, RULE_SET } from '../../layout/policy-rules.ts';

const V = EXEC_VERIFY.fields;
const K = EXEC_FILE_KEY.fields;

/** The identity of an executed file, as the kernel keys verdicts. */
export interface FileKey {
  readonly inode: bigint;
  readonly dev: number;
  readonly ctimeSec: bigint;
  readonly ctimeNsec: number;
  readonly size: bigint;
  /** The fingerprint of the rule set the verdict is for. */
  readonly fingerprint: bigint;
}

export interface VerifyRequest {
  /** Thread group id of the stopped process. */
  readonly pid: number;
  readonly uid: number;
  /** The filename as exec'd. */
  readonly path: string;
  /** The process's start, ns since boot (task start_boottime): tells a reused pid apart. */
  readonly startBoottimeNs: bigint;
  /** The rule buffer the slots are of. */
  readonly buf: number;
  readonly key: FileKey;
  /** Slots the path or the binary's inode matched. */
  readonly matched: ReadonlySet<number>;
  /** Candidate slots, active and in scope, ascending: the first matched one decides. */
  readonly applicable: readonly number[];
  /** The policy record without its decision (bw_policy_event bytes). */
  readonly event: Uint8Array;
}

/** The slots of a bw_rule_set at `off`, ascending. */
export function slotsAt(v: DataView, off: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < POLICY_RULE_WORDS; w++) {
    const word = v.getBigUint64(off + w * 8, true);
    if (word === 0n) continue;
    for (let b = 0; b < 64; b++) if ((word >> BigInt(b)) & 1n) out.push(w * 64 + b);
  }
  return out;
}

export function readFileKey(v: DataView, off: number): FileKey {
  return {
    inode: v.getBigUint64(off + K.inode.offset, true),
    dev: v.getUint32(off + K.dev.offset, true),
    ctimeSec: v.getBigUint64(off + K.ctime_sec.offset, true),
    ctimeNsec: v.getUint32(off + K.ctime_nsec.offset, true),
    size: v.getBigUint64(off + K.size.offset, true),
    fingerprint: v.getBigUint64(off + K.fingerprint.offset, true),
  };
}

export function encodeFileKey(k: FileKey): Uint8Array {
  const b = new Uint8Array(EXEC_FILE_KEY.size);
  const v = new DataView(b.buffer);
  v.setBigUint64(K.inode.offset, k.inode, true);
  v.setUint32(K.dev.offset, k.dev, true);
  v.setBigUint64(K.ctime_sec.offset, k.ctimeSec, true);
  v.setUint32(K.ctime_nsec.offset, k.ctimeNsec, true);
  v.setBigUint64(K.size.offset, k.size, true);
  v.setBigUint64(K.fingerprint.offset, k.fingerprint, true);
  return b;
}

/** What fstat(2) (bigint) reports of the file: the parts of the key it can confirm. */
export interface FileStat {
  readonly ino: bigint;
  readonly dev: bigint;
  readonly size: bigint;
  readonly ctimeNs: bigint;
}

/**
 * True when the file opened is the one the kernel saw executed: same
 * inode, device, size and ctime. A mismatch means another file (a reused
 * pid), whose hash must not become this key's verdict.
 */
export function keyMatchesStat(k: FileKey, st: FileStat): boolean {
  return (
    st.ino === k.inode &&
    st.dev === BigInt(k.dev) &&
    st.size === k.size &&
    st.ctimeNs / 1_000_000_000n === k.ctimeSec &&
    st.ctimeNs % 1_000_000_000n === BigInt(k.ctimeNsec)
  );
}

export function parseVerifyRequest(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
): VerifyRequest | { error: string } {
  if (size < EXEC_VERIFY.size)
    return { error: `verify request of ${size} bytes, expected ${EXEC_VERIFY.size}` };
  const ev = off + V.ev.offset;
  const pathAt = ev + POLICY.fields.path.offset;
  let end = pathAt;
  while (end < pathAt + POLICY.fields.path.size && bytes[end] !== 0) end++;
  return {
    pid: v.getUint32(ev + HEADER.fields.pid.offset, true),
    uid: v.getUint32(ev + HEADER.fields.uid.offset, true),
    path: new TextDecoder().decode(bytes.subarray(pathAt, end)),
    startBoottimeNs: v.getBigUint64(off + V.start_boottime.offset, true),
    buf: v.getUint32(off + V.buf.offset, true),
    key: readFileKey(v, off + V.key.offset),
    matched: new Set(slotsAt(v, off + V.matched.offset)),
    applicable: slotsAt(v, off + V.applicable.offset),
    event: bytes.slice(ev, ev + POLICY.size),
  };
}

/**
 * The deciding slot, as exec_policy.bpf.c would pick it with the file's
 * content slots known: the first applicable candidate matched by path,
 * inode or content; undefined when none (the exec is allowed).
 */
export function decideVerified(
  req: Pick<VerifyRequest, 'applicable' | 'matched'>,
  content: ReadonlySet<number>,
): number | undefined {
  return req.applicable.find((s) => req.matched.has(s) || content.has(s));
}

/** A bw_rule_set's bytes for a verdict (the content slots the file matched). */
export function ruleSetBytes(slots: Iterable<number>): Uint8Array {
  const b = new Uint8Array(RULE_SET.size);
  const v = new DataView(b.buffer);
  for (const s of slots) {
    const w = s >> 6;
    v.setBigUint64(w * 8, v.getBigUint64(w * 8, true) | (1n << BigInt(s & 63)), true);
  }
  return b;
}
