/** Layout of enforcement decision records (bpf/include/policy.h), one for every enforcing program. */
import { HEADER, PATH_MAX } from './header.ts';
import { layout } from './struct.ts';

/** Event type numbers (enum bw_event_type). */
export const PolicyEventTypeId = { policy_egress: 50, policy_exec: 51, policy_firewall: 52 } as const;

/** What the program did (BW_POLICY_*). */
export const POLICY_DENIED = 1;
export const POLICY_AUDITED = 2;
export const POLICY_LOGGED = 3;

/** Why, for firewall records (BW_POLICY_REASON_*). */
export const POLICY_REASON_RULE = 1;
export const POLICY_REASON_RATE_LIMIT = 2;
export const POLICY_REASON_SYN_GUARD = 3;

export const POLICY = layout('bw_policy_event', [
  ['hdr', HEADER.size, 8],
  ['inode', 8],
  ['dev', 4],
  ['rule_id', 4],
  ['ifindex', 4],
  ['suppressed', 4],
  ['family', 2],
  ['src_port', 2],
  ['dst_port', 2],
  ['protocol', 1],
  ['action', 1],
  ['reason', 1],
  ['_pad', 7, 1],
  ['src_addr', 16, 1],
  ['dst_addr', 16, 1],
  ['path', PATH_MAX, 1],
]);

/**
 * Records may end where `path` starts (a program with no path to report,
 * e.g. the XDP firewall, may reserve only that much): the decoder accepts
 * any size from here up.
 */
export const POLICY_MIN_SIZE = POLICY.fields.path.offset;

export const POLICY_LAYOUTS = [POLICY] as const;
