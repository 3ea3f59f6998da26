/** Layouts of the egress and exec policy map entries (bpf/include/policy_rules.h). */

import { PATH_MAX } from './header.ts';
import { POLICY } from './policy-record.ts';
import { layout } from './struct.ts';

export const POLICY_MAX_RULES = 256;
export const POLICY_RULE_WORDS = POLICY_MAX_RULES / 64;

/** bw_policy_rule.action */
export const RULE_DENY = 1;
export const RULE_ALLOW = 2;
export const RULE_AUDIT = 3;

/** bw_policy_rule.flags */
export const RULE_HAS_UID = 0x1;
export const RULE_HAS_CGROUP = 0x2;

export const POLICY_RULE = layout('bw_policy_rule', [
  ['cgroup_id', 8],
  ['cgroup_level', 4],
  ['id', 4],
  ['uid', 4],
  ['port_lo', 2],
  ['port_hi', 2],
  ['action', 1],
  ['protocol', 1],
  ['flags', 1],
  ['active', 1],
  ['_pad', 4],
]);

export const RULE_SET = layout('bw_rule_set', [['bits', 8 * POLICY_RULE_WORDS, 8]]);

export const POLICY_META = layout('bw_policy_meta', [
  ['count', 4],
  ['_pad', 4],
  ['fingerprint', 8],
]);

export const POLICY_RATE = layout('bw_policy_rate', [
  ['last_ns', 8],
  ['credit_ns', 8],
  ['suppressed', 4],
  ['_pad', 4],
]);

export const POLICY_SETTINGS = layout('bw_policy_settings', [
  ['cost_ns', 8],
  ['burst_ns', 8],
]);

export const LPM4_KEY = layout('bw_lpm4_key', [
  ['prefixlen', 4],
  ['data', 8, 1],
]);

export const LPM6_KEY = layout('bw_lpm6_key', [
  ['prefixlen', 4],
  ['data', 20, 1],
]);

export const EXEC_PATH_KEY = layout('bw_exec_path_key', [
  ['buf', 4],
  ['path', PATH_MAX, 1],
]);

export const EXEC_INODE_KEY = layout('bw_exec_inode_key', [
  ['inode', 8],
  ['dev', 4],
  ['buf', 4],
]);

/** Content rules: (buffer, digest) -> slots. */
export const EXEC_SHA_KEY = layout('bw_exec_sha_key', [
  ['buf', 4],
  ['sha256', 32, 1],
]);

/** A file's identity for content verdicts (with the rule set's fingerprint). */
export const EXEC_FILE_KEY = layout('bw_exec_file_key', [
  ['inode', 8],
  ['ctime_sec', 8],
  ['size', 8],
  ['fingerprint', 8],
  ['ctime_nsec', 4],
  ['dev', 4],
]);

/** The agent's heartbeat, read by the kernel before it stops an exec. */
export const EXEC_VERIFIER = layout('bw_exec_verifier', [
  ['heartbeat_ns', 8],
  ['stale_ns', 8],
  ['tgid', 4],
  ['_pad', 4],
]);

/** A stopped exec waiting for the agent (bpf/include/policy.h). */
export const EXEC_VERIFY = layout('bw_exec_verify', [
  ['ev', POLICY.size, 8],
  ['key', EXEC_FILE_KEY.size, 8],
  ['matched', RULE_SET.size, 8],
  ['applicable', RULE_SET.size, 8],
  ['start_boottime', 8],
  ['buf', 4],
  ['_pad', 4],
]);

export const EGRESS_MAP_LAYOUTS = [
  POLICY_RULE,
  RULE_SET,
  POLICY_META,
  POLICY_RATE,
  POLICY_SETTINGS,
  LPM4_KEY,
  LPM6_KEY,
] as const;
export const EXEC_MAP_LAYOUTS = [
  EXEC_PATH_KEY,
  EXEC_INODE_KEY,
  EXEC_SHA_KEY,
  EXEC_FILE_KEY,
  EXEC_VERIFIER,
  EXEC_VERIFY,
] as const;
