/**
 * The egress policy component: cgroup connect4/connect6/sendmsg4/sendmsg6
 * programs (bpf/egress.bpf.c) attached to the cgroup v2 root, so they decide
 * for every process; pinned under `<pinRoot>/egress/`.
 */

import { compileEgress } from '../../domain/enforce/policy/compile-egress.ts';
import type { EgressRule } from '../../domain/enforce/policy/rule.ts';
import { LPM4_KEY, LPM6_KEY, RULE_SET } from '../../domain/layout/policy-rules.ts';
import { attachCgroup, type FdLink } from '../../ebpf/links/index.ts';
import { cgroup2Root } from '../../host/cgroup.ts';
import { PolicyError } from '../policy/errors.ts';
import { PinnedPolicyObject, type PolicyObjectSpec } from '../policy/pinned-object.ts';
import { PolicyComponent, type PolicyComponentOptions } from '../policy/policy-component.ts';
import { COMMON_POLICY_MAPS, ruleTables } from '../policy/policy-maps.ts';
import { syncTables, writeSettings } from '../policy/rule-tables.ts';
import { egressIndexes } from './egress-tables.ts';

/** Link pin name -> (program, cgroup attach type). */
const HOOKS = {
  connect4: 'egress_connect4',
  connect6: 'egress_connect6',
  sendmsg4: 'egress_sendmsg4',
  sendmsg6: 'egress_sendmsg6',
} as const;

export function egressObjectSpec(): PolicyObjectSpec {
  return {
    name: 'egress',
    object: 'egress',
    mapPrefix: 'egress',
    maps: {
      ...COMMON_POLICY_MAPS,
      lpm4: { key: LPM4_KEY.size, value: RULE_SET.size },
      lpm6: { key: LPM6_KEY.size, value: RULE_SET.size },
    },
    links: Object.keys(HOOKS),
    attach: (obj, bridge) => {
      const root = cgroup2Root();
      if (!root) {
        throw new PolicyError(
          'POLICY_NO_CGROUP2',
          'cgroup v2 is not mounted (no cgroup2 in /proc/mounts); the egress policy attaches to its root',
        );
      }
      const links: Record<string, FdLink> = {};
      try {
        for (const [hook, program] of Object.entries(HOOKS)) {
          links[hook] = attachCgroup(bridge, obj.program(program).fd, { path: root, attachType: hook });
        }
      } catch (err) {
        for (const l of Object.values(links)) l.close();
        throw err;
      }
      return links;
    },
  };
}

export class EgressPolicy extends PolicyComponent<EgressRule> {
  readonly name = 'egress';
  protected readonly pinned: PinnedPolicyObject;

  constructor(opts: PolicyComponentOptions<EgressRule>) {
    super(opts);
    this.pinned = new PinnedPolicyObject(opts.bridge, opts.pinRoot, egressObjectSpec(), opts.objectPath);
  }

  protected sync(rules: readonly EgressRule[], ctx: Parameters<PolicyComponent<EgressRule>['sync']>[1]) {
    const compiled = compileEgress(rules, ctx);
    const p = this.pinned;
    writeSettings(p.map('settings'), this.settingsRate());
    const result = syncTables(
      ruleTables(p),
      compiled,
      egressIndexes(p.map('lpm4'), p.map('lpm6'), compiled.prefixes),
    );
    return { result, problems: compiled.problems };
  }
}
