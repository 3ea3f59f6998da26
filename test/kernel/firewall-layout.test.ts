/**
 * The firewall's map encoders (src/domain/enforce/firewall/layout.ts) must
 * match the C structs as compiled: every offset and size is read from
 * firewall.bpf.o's BTF. Also the policy record layout the decoder reads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CONFIG,
  COUNTERS,
  LIST,
  LPM4_KEY,
  LPM6_KEY,
  RL_KEY,
  RL_STATE,
  RULE,
  RULE_STATS,
} from '../../src/domain/enforce/firewall/layout.ts';
import { POLICY } from '../../src/domain/layout/policy-record.ts';
import { BpfObjectSpec } from '../../src/ebpf/index.ts';
import { bpfObjectPath } from '../../src/host/paths.ts';
import { kernelSkip } from '../support/kernel-gate.ts';

const LAYOUTS: Record<string, { size: number } & Record<string, number>> = {
  bw_fw_rule: RULE,
  bw_fw_list: LIST,
  bw_fw_lpm4_key: LPM4_KEY,
  bw_fw_lpm6_key: LPM6_KEY,
  bw_fw_config: CONFIG,
  bw_fw_rule_stats: RULE_STATS,
  bw_fw_rl_key: RL_KEY,
  bw_fw_rl_state: RL_STATE,
};

test('firewall map layouts match the BTF of firewall.bpf.o', { skip: kernelSkip }, () => {
  const spec = BpfObjectSpec.open(bpfObjectPath('firewall'));
  try {
    for (const [name, layout] of Object.entries(LAYOUTS)) {
      const btf = spec.btfStruct(name);
      assert.equal(layout.size, btf.size, `size of ${name}`);
      for (const [field, offset] of Object.entries(layout)) {
        if (field === 'size') continue;
        const m = btf.members.find((x) => x.name === field);
        assert.ok(m, `${name}.${field} exists in BTF`);
        assert.equal(m.offset, offset, `offset of ${name}.${field}`);
      }
    }
    const list = spec.btfStruct('bw_fw_list');
    assert.equal(
      list.members.find((m) => m.name === 'slot')?.size,
      LIST.size - LIST.slot,
      'slots fill the chunk',
    );
    const policy = spec.btfStruct('bw_policy_event');
    for (const [field, f] of Object.entries(POLICY.fields)) {
      assert.equal(
        policy.members.find((m) => m.name === field)?.offset,
        f.offset,
        `bw_policy_event.${field}`,
      );
    }
    // One counter name per BW_FW_CTR_* index, in order: the map holds exactly that many.
    const counters = spec.maps.find((m) => m.name === 'fw_counters');
    assert.equal(counters?.maxEntries, COUNTERS.length);
  } finally {
    spec.close();
  }
});
