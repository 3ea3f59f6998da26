/** The maps every policy object pins (BW_POLICY_MAPS in bpf/include/policy_common.bpf.h), with their sizes. */
import { POLICY_META, POLICY_RATE, POLICY_RULE, POLICY_SETTINGS } from '../../domain/layout/policy-rules.ts';
import type { PinnedPolicyObject } from './pinned-object.ts';
import type { RuleTables } from './rule-tables.ts';

export const COMMON_POLICY_MAPS = {
  rules: { key: 4, value: POLICY_RULE.size },
  meta: { key: 4, value: POLICY_META.size },
  active: { key: 4, value: 4 },
  rate: { key: 4, value: POLICY_RATE.size },
  settings: { key: 4, value: POLICY_SETTINGS.size },
  /** The ring buffer of bw_policy_event records the policy monitor drains. */
  events: { key: 0, value: 0 },
  /** Per-CPU counts of records the ring had no room for, by event type. */
  drops: { key: 4, value: 8 },
} as const;

export function ruleTables(p: PinnedPolicyObject): RuleTables {
  return {
    rules: p.map('rules'),
    meta: p.map('meta'),
    active: p.map('active'),
    rate: p.map('rate'),
    settings: p.map('settings'),
  };
}
