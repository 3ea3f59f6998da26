/**
 * The policy family: decisions of the enforcement components (firewall,
 * egress, exec), read from the rings they pin (bpf/egress.bpf.c,
 * bpf/exec_policy.bpf.c, bpf/firewall.bpf.c; records in bpf/include/policy.h).
 */
import { defineFamily, siblingMonitor } from '../family.ts';
import { policyMonitorConfig } from './config.ts';
import { policyDecoder } from './decode.ts';
import { policyDetails } from './details.ts';
import { POLICY_EVENT_TYPES } from './events.ts';
import { POLICY_TABLE } from './table.ts';

export const policyFamily = defineFamily({
  name: 'policy',
  eventTypes: POLICY_EVENT_TYPES,
  decoder: policyDecoder,
  table: POLICY_TABLE,
  details: policyDetails,
  monitorConfig: policyMonitorConfig,
  monitor: siblingMonitor(import.meta.url),
});
