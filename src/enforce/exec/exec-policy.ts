/**
 * The exec policy component: a raw tracepoint program on sched_process_exec
 * (bpf/exec_policy.bpf.c) that kills or records listed binaries; pinned
 * under `<pinRoot>/exec/`. Content rules also need the agent's verifier
 * (exec-verifier.ts), which answers the kernel's requests.
 */
import { compileExec } from '../../domain/enforce/policy/compile-exec.ts';
import type { ExecRule } from '../../domain/enforce/policy/rule.ts';
import {
  EXEC_FILE_KEY,
  EXEC_INODE_KEY,
  EXEC_PATH_KEY,
  EXEC_SHA_KEY,
  EXEC_VERIFIER,
  RULE_SET,
} from '../../domain/layout/policy-rules.ts';
import { attachRawTracepoint } from '../../ebpf/links/index.ts';
import { PinnedPolicyObject, type PolicyObjectSpec } from '../policy/pinned-object.ts';
import { PolicyComponent, type PolicyComponentOptions } from '../policy/policy-component.ts';
import { COMMON_POLICY_MAPS, ruleTables } from '../policy/policy-maps.ts';
import { syncTables, writeSettings } from '../policy/rule-tables.ts';
import { clearMap, execIndexes } from './exec-tables.ts';

export function execObjectSpec(): PolicyObjectSpec {
  return {
    name: 'exec',
    object: 'exec_policy',
    mapPrefix: 'exec',
    maps: {
      ...COMMON_POLICY_MAPS,
      paths: { key: EXEC_PATH_KEY.size, value: RULE_SET.size },
      inodes: { key: EXEC_INODE_KEY.size, value: RULE_SET.size },
      sha256: { key: EXEC_SHA_KEY.size, value: RULE_SET.size },
      sha_slots: { key: 4, value: RULE_SET.size },
      verdicts: { key: EXEC_FILE_KEY.size, value: RULE_SET.size },
      verifier: { key: 4, value: EXEC_VERIFIER.size },
      /** Requests of stopped execs (bw_exec_verify), for the agent's verifier. */
      verify: { key: 0, value: 0 },
    },
    links: ['sched_process_exec'],
    attach: (obj, bridge) => ({
      sched_process_exec: attachRawTracepoint(bridge, obj.program('exec_policy').fd, {
        name: 'sched_process_exec',
      }),
    }),
  };
}

export class ExecPolicy extends PolicyComponent<ExecRule> {
  readonly name = 'exec';
  protected readonly pinned: PinnedPolicyObject;

  constructor(opts: PolicyComponentOptions<ExecRule>) {
    super(opts);
    this.pinned = new PinnedPolicyObject(opts.bridge, opts.pinRoot, execObjectSpec(), opts.objectPath);
  }

  protected sync(rules: readonly ExecRule[], ctx: Parameters<PolicyComponent<ExecRule>['sync']>[1]) {
    const compiled = compileExec(rules, ctx);
    const p = this.pinned;
    writeSettings(p.map('settings'), this.settingsRate());
    const maps = {
      paths: p.map('paths'),
      inodes: p.map('inodes'),
      sha256: p.map('sha256'),
      shaSlots: p.map('sha_slots'),
    };
    const result = syncTables(ruleTables(p), compiled, execIndexes(maps, compiled));
    // Verdicts are keyed by the rule set's fingerprint already; clearing drops the dead ones at once.
    if (result.mode === 'swapped') clearMap(p.map('verdicts'));
    return { result, problems: compiled.problems };
  }
}
