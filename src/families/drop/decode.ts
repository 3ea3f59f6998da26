/** Decodes packet drop records into events; reason names are injected (from kernel BTF). */
import type { BootClock } from '../../domain/clock.ts';
import { readCString } from '../../domain/decode/cstring.ts';
import { formatIp } from '../../domain/decode/ip.ts';
import { HEADER } from '../../domain/layout/header.ts';
import type { DecoderSpecOf, RecordDecoder } from '../family.ts';
import { decodeHeader, headerTypeId } from '../header.ts';
import type { DropEvent } from './events.ts';
import {
  DROP,
  DROP_DEV,
  DROP_ICMP,
  DROP_L3,
  DROP_NO_REASON,
  DROP_PORTS,
  DROP_TYPE_ID,
  IFNAMSIZ,
} from './layout.ts';
import { type DropReasonNames, dropReasonName } from './reasons.ts';

const D = DROP.fields;

export type DropDecodeResult = DropEvent | { readonly error: string };

/** The reason names travel with the spec: the worker has no kernel to read them from. */
export interface DropDecoderSpec extends DecoderSpecOf<'drop'> {
  readonly names: DropReasonNames;
}

export function dropDecoder(spec: DropDecoderSpec, clock: BootClock): RecordDecoder<DropEvent> {
  const names = spec.names;
  return (b, v, off, size) => decodeDropRecord(b, v, off, size, clock, names);
}

/** Kernel address as exact hex, from two u32 halves (no BigInt). */
function hex64(v: DataView, off: number): string {
  const lo = v.getUint32(off, true);
  const hi = v.getUint32(off + 4, true);
  if (hi === 0) return `0x${lo.toString(16)}`;
  return `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
}

/** Decodes one record at [off, off+size). Malformed records give an error, never a throw. */
export function decodeDropRecord(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
  clock: BootClock,
  names: DropReasonNames,
): DropDecodeResult {
  if (off < 0 || off + size > bytes.length) return { error: `record of ${size} bytes overruns its batch` };
  if (size < HEADER.size) return { error: `record of ${size} bytes is shorter than the header` };
  const typeId = headerTypeId(v, off);
  if (typeId !== DROP_TYPE_ID) return { error: `unknown drop event type ${typeId}` };
  if (size < DROP.size) return { error: `drop record of ${size} bytes, expected ${DROP.size}` };
  const flags = bytes[off + D.flags.offset]!;
  const version = bytes[off + D.ip_version.offset]!;
  const l3 = (flags & DROP_L3) !== 0 && (version === 4 || version === 6);
  const ports = l3 && (flags & DROP_PORTS) !== 0;
  const icmp = l3 && (flags & DROP_ICMP) !== 0;
  const reason = v.getUint32(off + D.reason.offset, true);
  const noReason = (flags & DROP_NO_REASON) !== 0;
  const ifname = (flags & DROP_DEV) !== 0 ? readCString(bytes, off + D.ifname.offset, IFNAMSIZ) : null;
  return {
    ...decodeHeader(bytes, v, off, 'drop', clock),
    type: 'drop',
    reason,
    reasonName: noReason ? 'UNKNOWN' : dropReasonName(names, reason),
    location: hex64(v, off + D.location.offset),
    len: v.getUint32(off + D.len.offset, true),
    ifindex: v.getUint32(off + D.ifindex.offset, true),
    ifname,
    netns: v.getUint32(off + D.netns.offset, true),
    protocol: v.getUint16(off + D.protocol.offset, true),
    ipVersion: l3 ? (version as 4 | 6) : null,
    l4Proto: l3 ? bytes[off + D.l4_proto.offset]! : null,
    saddr: l3 ? formatIp(version, bytes, off + D.saddr.offset) : null,
    daddr: l3 ? formatIp(version, bytes, off + D.daddr.offset) : null,
    sport: ports ? v.getUint16(off + D.sport.offset, true) : null,
    dport: ports ? v.getUint16(off + D.dport.offset, true) : null,
    icmpType: icmp ? bytes[off + D.icmp_type.offset]! : null,
    icmpCode: icmp ? bytes[off + D.icmp_code.offset]! : null,
  };
}
