/** Exec rules to kernel tables: candidates by the filename as exec'd and by the binary's inode and device. */
import { RULE_AUDIT, RULE_DENY } from '../../layout/policy-rules.ts';
import type { CompileOptions as EgressOptions } from './compile-egress.ts';
import type { CompiledExec, CompiledRule, InodeEntry, PathEntry, RuleProblem } from './compiled.ts';
import { fingerprintOf, PolicyCompileError } from './compiled.ts';
import { compareRules, type ExecAction, type ExecRule, MAX_RULES, type PathResolvers } from './rule.ts';
import { windowsOpen } from './time-window.ts';

const ACTION: Readonly<Record<ExecAction, number>> = { kill: RULE_DENY, audit: RULE_AUDIT };

export interface ExecCompileOptions extends Omit<EgressOptions, 'resolve'> {
  readonly resolve: PathResolvers;
}

export function compileExec(all: readonly ExecRule[], opts: ExecCompileOptions): CompiledExec {
  const problems: RuleProblem[] = [];
  const rules: CompiledRule[] = [];
  const paths = new Map<string, number[]>();
  const inodes = new Map<string, InodeEntry & { slots: number[] }>();
  const local = opts.clock(opts.nowMs);
  for (const r of [...all].sort(compareRules)) {
    const cgroup = r.cgroup === undefined ? null : (opts.resolve.cgroup(r.cgroup) ?? undefined);
    if (cgroup === undefined) {
      problems.push({ id: r.id, reason: `cgroup ${r.cgroup} does not exist` });
      continue;
    }
    const binary = r.binary === undefined ? undefined : opts.resolve.binary(r.binary);
    if (r.binary !== undefined && binary === undefined) {
      // Still enforced by path when it has one.
      problems.push({
        id: r.id,
        reason: `binary ${r.binary} does not exist${r.path ? ` (matched by path ${r.path} only)` : ''}`,
      });
      if (r.path === undefined) continue;
    }
    const slot = rules.length;
    if (slot >= MAX_RULES) {
      throw new PolicyCompileError('POLICY_TOO_MANY_RULES', `more than ${MAX_RULES} exec rules`);
    }
    rules.push({
      id: r.id,
      action: ACTION[r.action],
      protocol: 0,
      portLo: 0,
      portHi: 0,
      uid: r.uid ?? null,
      cgroup,
      active: windowsOpen(r.windows, local),
    });
    if (r.path !== undefined) {
      const s = paths.get(r.path);
      if (s) s.push(slot);
      else paths.set(r.path, [slot]);
    }
    if (binary) {
      const key = `${binary.inode}:${binary.dev}`;
      const e = inodes.get(key);
      if (e) e.slots.push(slot);
      else inodes.set(key, { inode: binary.inode, dev: binary.dev, slots: [slot] });
    }
  }
  const pathEntries: PathEntry[] = [...paths]
    .map(([path, slots]) => ({ path, slots }))
    .sort(byKey((e) => e.path));
  const inodeEntries = [...inodes.values()].sort(byKey((e) => `${e.inode}:${e.dev}`));
  return {
    rules,
    paths: pathEntries,
    inodes: inodeEntries,
    problems,
    fingerprint: fingerprintOf(rules, [pathEntries, inodeEntries]),
  };
}

function byKey<T>(k: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0);
}
