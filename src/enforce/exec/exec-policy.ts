/**
 * The exec policy component: a raw tracepoint program on sched_process_exec
 * (bpf/exec_policy.bpf.c) that kills or records listed binaries; pinned
 * under `<pinRoot>/exec/`.
 */
import { compileExec } from '../../domain/enforce/policy/compile-exec.ts';
import type { ExecRule } from '../../domain/enforce/policy/rule.ts';
import { EXEC_INODE_KEY, EXEC_PATH_KEY, RULE_SET } from '../../domain/layout/policy-rules.ts';
import { attachRawTracepoint } from '../../ebpf/links/index.ts';
import { PinnedPolicyObject, type PolicyObjectSpec } from '../policy/pinned-object.ts';
import { PolicyComponent, type PolicyComponentOptions } from '../policy/policy-component.ts';
import { COMMON_POLICY_MAPS, ruleTables } from '../policy/policy-maps.ts';
import { syncTables, writeSettings } from '../policy/rule-tables.ts';
import { execIndexes } from './exec-tables.ts';

export function execObjectSpec(): PolicyObjectSpec {
  return {
    name: 'exec',
    object: 'exec_policy',
    mapPrefix: 'exec',
    maps: {
      ...COMMON_POLICY_MAPS,
      paths: { key: EXEC_PATH_KEY.size, value: RULE_SET.size },
      inodes: { key: EXEC_INODE_KEY.size, value: RULE_SET.size },
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
    const result = syncTables(
      ruleTables(p),
      compiled,
      execIndexes(p.map('paths'), p.map('inodes'), compiled.paths, compiled.inodes),
    );
    return { result, problems: compiled.problems };
  }
}
