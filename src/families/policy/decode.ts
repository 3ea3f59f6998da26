/** Decodes enforcement decision records (bw_policy_event) from every enforcing program. */

import type { BootClock } from '../../domain/clock.ts';
import { readCString } from '../../domain/decode/cstring.ts';
import { formatIp } from '../../domain/decode/ip.ts';
import { HEADER } from '../../domain/layout/header.ts';
import {
  POLICY,
  POLICY_AUDITED,
  POLICY_DENIED,
  POLICY_LOGGED,
  POLICY_MIN_SIZE,
  POLICY_REASON_RATE_LIMIT,
  POLICY_REASON_RULE,
  POLICY_REASON_SYN_GUARD,
  PolicyEventTypeId,
} from '../../domain/layout/policy-record.ts';
import type { DecoderSpecOf, RecordDecoder } from '../family.ts';
import { decodeHeader, headerTypeId, u64 } from '../header.ts';
import { AF_INET, AF_INET6 } from '../net/layout.ts';
import type { PolicyAction, PolicyEvent, PolicyEventType, PolicyReason } from './events.ts';

const F = POLICY.fields;

export type PolicyDecodeResult = PolicyEvent | { readonly error: string };

export type PolicyDecoderSpec = DecoderSpecOf<'policy'>;

export function policyDecoder(_spec: PolicyDecoderSpec, clock: BootClock): RecordDecoder<PolicyEvent> {
  return (b, v, off, size) => decodePolicyRecord(b, v, off, size, clock);
}

const TYPES = new Map<number, PolicyEventType>(
  Object.entries(PolicyEventTypeId).map(([name, id]) => [id, name as PolicyEventType]),
);
const ACTIONS = new Map<number, PolicyAction>([
  [POLICY_DENIED, 'denied'],
  [POLICY_AUDITED, 'audited'],
  [POLICY_LOGGED, 'logged'],
]);
const REASONS = new Map<number, PolicyReason>([
  [POLICY_REASON_RULE, 'rule'],
  [POLICY_REASON_RATE_LIMIT, 'rate_limit'],
  [POLICY_REASON_SYN_GUARD, 'syn_guard'],
]);

function allZero(bytes: Uint8Array, off: number, len: number): boolean {
  for (let i = off; i < off + len; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Decodes one record at [off, off+size). Malformed records give an error, never a throw. */
export function decodePolicyRecord(
  bytes: Uint8Array,
  v: DataView,
  off: number,
  size: number,
  clock: BootClock,
): PolicyDecodeResult {
  if (off < 0 || off + size > bytes.length) return { error: `record of ${size} bytes overruns its batch` };
  if (size < HEADER.size) return { error: `record of ${size} bytes is shorter than the header` };
  const typeId = headerTypeId(v, off);
  const type = TYPES.get(typeId);
  if (type === undefined) return { error: `unknown policy event type ${typeId}` };
  if (size < POLICY_MIN_SIZE) return { error: `policy record of ${size} bytes, expected ${POLICY.size}` };
  const actionId = bytes[off + F.action.offset]!;
  const action = ACTIONS.get(actionId);
  if (action === undefined) return { error: `policy record with unknown action ${actionId}` };
  const af = v.getUint16(off + F.family.offset, true);
  const family = af === AF_INET ? 4 : af === AF_INET6 ? 6 : null;
  const addr = (field: 'src_addr' | 'dst_addr', port: number): string | null => {
    if (family === null) return null;
    const at = off + F[field].offset;
    // An unknown source (a connect() before bind) is all zeros with port 0.
    if (port === 0 && allZero(bytes, at, family === 4 ? 4 : 16)) return null;
    return formatIp(family, bytes, at);
  };
  const srcPort = v.getUint16(off + F.src_port.offset, true);
  const dstPort = v.getUint16(off + F.dst_port.offset, true);
  const srcAddr = addr('src_addr', srcPort);
  const dstAddr = addr('dst_addr', dstPort);
  const pathRoom = Math.min(F.path.size, size - F.path.offset);
  const path = pathRoom > 0 ? readCString(bytes, off + F.path.offset, pathRoom) : '';
  const inode = u64(v, off + F.inode.offset);
  const isExec = type === 'policy_exec';
  return {
    ...decodeHeader(bytes, v, off, type, clock),
    type,
    action,
    reason: REASONS.get(bytes[off + F.reason.offset]!) ?? null,
    ruleId: v.getUint32(off + F.rule_id.offset, true),
    suppressed: v.getUint32(off + F.suppressed.offset, true),
    ifindex: v.getUint32(off + F.ifindex.offset, true),
    family,
    protocol: family === null ? null : bytes[off + F.protocol.offset]!,
    srcAddr,
    srcPort: srcAddr === null ? null : srcPort,
    dstAddr,
    dstPort: dstAddr === null ? null : dstPort,
    path: isExec || path !== '' ? path : null,
    inode: isExec ? inode : null,
    dev: isExec ? v.getUint32(off + F.dev.offset, true) : null,
  } as PolicyEvent;
}
