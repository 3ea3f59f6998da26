/**
 * Exec rules to kernel tables: candidates by the filename as exec'd, by the
 * binary's inode and device, and by content digest (for the agent).
 */
import { RULE_AUDIT, RULE_DENY } from '../../layout/policy-rules.ts';
import type { CompileOptions as EgressOptions } from './compile-egress.ts';
import type { CompiledExec, CompiledRule, InodeEntry, PathEntry, RuleProblem, ShaEntry } from './compiled.ts';
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
  const shas = new Map<string, number[]>();
  const local = opts.clock(opts.nowMs);
  for (const r of [...all].sort(compareRules)) {
    const cgroup = r.cgroup === undefined ? null : (opts.resolve.cgroup(r.cgroup) ?? undefined);
    if (cgroup === undefined) {
      problems.push({ id: r.id, reason: `cgroup ${r.cgroup} does not exist` });
      continue;
    }
    const binary = r.binary === undefined ? undefined : opts.resolve.binary(r.binary);
    if (r.binary !== undefined && binary === undefined) {
      // Still enforced by path or content when it has them.
      const rest = [r.path !== undefined ? `path ${r.path}` : '', r.sha256 !== undefined ? 'sha256' : '']
        .filter(Boolean)
        .join(' or ');
      problems.push({
        id: r.id,
        reason: `binary ${r.binary} does not exist${rest ? ` (matched by ${rest} only)` : ''}`,
      });
      if (r.path === undefined && r.sha256 === undefined) continue;
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
    if (r.sha256 !== undefined) {
      const s = shas.get(r.sha256);
      if (s) s.push(slot);
      else shas.set(r.sha256, [slot]);
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
  const shaEntries: ShaEntry[] = [...shas]
    .map(([sha256, slots]) => ({ sha256, slots }))
    .sort(byKey((e) => e.sha256));
  return {
    rules,
    paths: pathEntries,
    inodes: inodeEntries,
    sha256s: shaEntries,
    problems,
    fingerprint: fingerprintOf(rules, [pathEntries, inodeEntries, shaEntries]),
  };
}

function byKey<T>(k: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0);
}
