/** The common record header (struct bw_event_header), shared by every family's decoder. */

import type { BootClock } from '../domain/clock.ts';
import { readCString } from '../domain/decode/cstring.ts';
import type { EventBase } from '../domain/event-base.ts';
import { COMM_LEN, HEADER } from '../domain/layout/header.ts';

const H = HEADER.fields;

/** A little-endian u64 as a number: exact below 2^53 (times, ids, counters). */
export function u64(v: DataView, off: number): number {
  return v.getUint32(off, true) + v.getUint32(off + 4, true) * 4294967296;
}

/** The kernel event type id of the record at off (the caller checked it holds a header). */
export function headerTypeId(v: DataView, off: number): number {
  return v.getUint32(off + H.type.offset, true);
}

/** Decodes the header of the record at off; the caller checked the record holds one. */
export function decodeHeader(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  type: string,
  clock: BootClock,
): EventBase {
  const ktimeNs = u64(v, off + H.ktime_ns.offset);
  return {
    timeUs: clock.toWallUs(ktimeNs),
    ktimeNs,
    type,
    pid: v.getUint32(off + H.pid.offset, true),
    tid: v.getUint32(off + H.tid.offset, true),
    ppid: v.getUint32(off + H.ppid.offset, true),
    uid: v.getUint32(off + H.uid.offset, true),
    gid: v.getUint32(off + H.gid.offset, true),
    cgroupId: u64(v, off + H.cgroup_id.offset),
    comm: readCString(bytes, off + H.comm.offset, COMM_LEN),
  };
}
