/**
 * Would this connect or exec be denied, and by which rule? Two evaluators:
 * `decideEgress`/`decideExec` read the rules as written (the reference),
 * `decideCompiledEgress`/`decideCompiledExec` read the compiled tables the
 * way the kernel programs do. Property tests hold them equal; `policy test`
 * uses the compiled one, so it answers as the kernel would.
 */
import { RULE_AUDIT, RULE_DENY } from '../../layout/policy-rules.ts';
import { cidrContainsAddress, type IpAddress, unmapIpv4 } from '../../net/ip.ts';
import type { CompiledEgress, CompiledExec, CompiledRule } from './compiled.ts';
import {
  compareRules,
  type EgressRule,
  type ExecRule,
  type PathResolvers,
  type ResolvedBinary,
  type RuleScope,
} from './rule.ts';
import { type LocalClock, windowsOpen } from './time-window.ts';

interface ProcessContext {
  readonly uid: number;
  /** Cgroup v2 ids from the root (index 0) down to the process's own cgroup. */
  readonly cgroupAncestors: readonly number[];
}

export interface EgressQuery extends ProcessContext {
  readonly addr: IpAddress;
  readonly port: number;
  /** IP protocol number: 6 TCP, 17 UDP. */
  readonly protocol: number;
}

export interface ExecQuery extends ProcessContext {
  /** The filename as exec'd. */
  readonly path: string;
  /** The identity of the file run, when known. */
  readonly binary?: ResolvedBinary | undefined;
  /** The file's SHA-256 (lower-case hex), when known: content rules match only with it. */
  readonly sha256?: string | undefined;
}

export interface Decision<V extends string> {
  readonly verdict: V;
  /** The deciding rule; null when no rule matched (the default: allow). */
  readonly ruleId: number | null;
}

export type EgressVerdict = 'allow' | 'deny' | 'audit';
export type ExecVerdict = 'allow' | 'kill' | 'audit';

export interface EvaluateOptions {
  readonly resolve: PathResolvers;
  readonly nowMs: number;
  readonly clock: LocalClock;
}

const PROTOCOL = { tcp: 6, udp: 17 } as const;

function inScope(r: RuleScope, q: ProcessContext, resolve: PathResolvers): boolean {
  if (r.uid !== undefined && r.uid !== q.uid) return false;
  if (r.cgroup !== undefined) {
    const cg = resolve.cgroup(r.cgroup);
    if (!cg || q.cgroupAncestors[cg.level] !== cg.id) return false;
  }
  return true;
}

export function decideEgress(
  rules: readonly EgressRule[],
  q: EgressQuery,
  o: EvaluateOptions,
): Decision<EgressVerdict> {
  const addr = unmapIpv4(q.addr);
  const local = o.clock(o.nowMs);
  for (const r of [...rules].sort(compareRules)) {
    if (!windowsOpen(r.windows, local)) continue;
    if (r.cidr && !cidrContainsAddress(r.cidr, addr)) continue;
    if (r.ports && (q.port < r.ports.from || q.port > r.ports.to)) continue;
    if (r.protocol !== 'any' && PROTOCOL[r.protocol] !== q.protocol) continue;
    if (!inScope(r, q, o.resolve)) continue;
    return { verdict: r.action, ruleId: r.id };
  }
  return { verdict: 'allow', ruleId: null };
}

export function decideExec(
  rules: readonly ExecRule[],
  q: ExecQuery,
  o: EvaluateOptions,
): Decision<ExecVerdict> {
  const local = o.clock(o.nowMs);
  for (const r of [...rules].sort(compareRules)) {
    if (!windowsOpen(r.windows, local)) continue;
    const byPath = r.path !== undefined && r.path === q.path;
    const id = r.binary === undefined ? undefined : o.resolve.binary(r.binary);
    const byBinary =
      id !== undefined && q.binary !== undefined && id.inode === q.binary.inode && id.dev === q.binary.dev;
    const bySha = r.sha256 !== undefined && r.sha256 === q.sha256;
    if (!byPath && !byBinary && !bySha) continue;
    if (!inScope(r, q, o.resolve)) continue;
    return { verdict: r.action, ruleId: r.id };
  }
  return { verdict: 'allow', ruleId: null };
}

/** bw_rule_scope_ok: uid, and the ancestor at the rule cgroup's level. */
function compiledScope(r: CompiledRule, q: ProcessContext): boolean {
  if (r.uid !== null && r.uid !== q.uid) return false;
  if (r.cgroup !== null && (q.cgroupAncestors[r.cgroup.level] ?? 0) !== r.cgroup.id) return false;
  return true;
}

function prefixMatches(bytes: Uint8Array, len: number, addr: Uint8Array): boolean {
  for (let bit = 0; bit < len; bit++) {
    const m = 0x80 >> (bit % 8);
    if ((bytes[bit >> 3]! & m) !== (addr[bit >> 3]! & m)) return false;
  }
  return true;
}

/** As egress.bpf.c: LPM lookup, then the candidate slots in order. */
export function decideCompiledEgress(c: CompiledEgress, q: EgressQuery): Decision<EgressVerdict> {
  const addr = unmapIpv4(q.addr);
  let best: { len: number; slots: readonly number[] } | undefined;
  for (const p of c.prefixes) {
    if (p.family !== addr.family || !prefixMatches(p.bytes, p.prefixLen, addr.bytes)) continue;
    if (!best || p.prefixLen > best.len) best = { len: p.prefixLen, slots: p.slots };
  }
  if (!best) return { verdict: 'allow', ruleId: null };
  for (const slot of best.slots) {
    const r = c.rules[slot];
    if (!r?.active) continue;
    if (r.protocol !== 0 && r.protocol !== q.protocol) continue;
    if (q.port < r.portLo || q.port > r.portHi) continue;
    if (!compiledScope(r, q)) continue;
    return { verdict: verdictOf(r.action, 'deny'), ruleId: r.id };
  }
  return { verdict: 'allow', ruleId: null };
}

/**
 * As exec_policy.bpf.c with the agent verifying content: the union of the
 * path's, the binary's and the content's candidate slots, in order.
 */
export function decideCompiledExec(c: CompiledExec, q: ExecQuery): Decision<ExecVerdict> {
  const slots = new Set<number>(c.paths.find((p) => p.path === q.path)?.slots ?? []);
  const b = q.binary;
  if (b)
    for (const s of c.inodes.find((e) => e.inode === b.inode && e.dev === b.dev)?.slots ?? []) slots.add(s);
  const sha = q.sha256;
  if (sha !== undefined) for (const s of c.sha256s.find((e) => e.sha256 === sha)?.slots ?? []) slots.add(s);
  for (const slot of [...slots].sort((x, y) => x - y)) {
    const r = c.rules[slot];
    if (!r?.active || !compiledScope(r, q)) continue;
    return { verdict: verdictOf(r.action, 'kill'), ruleId: r.id };
  }
  return { verdict: 'allow', ruleId: null };
}

function verdictOf<D extends string>(action: number, deny: D): D | 'allow' | 'audit' {
  if (action === RULE_DENY) return deny;
  if (action === RULE_AUDIT) return 'audit';
  return 'allow'; // RULE_ALLOW
}
