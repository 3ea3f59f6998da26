/**
 * Egress rules to kernel tables. Candidates come from an LPM trie per
 * family: the longest stored prefix containing the destination is found,
 * so every prefix's entry holds every rule whose CIDR contains that prefix
 * (rules without a CIDR are /0 in both families). The CIDRs containing an
 * address form a chain, so the longest one's set is exactly the rules whose
 * CIDR contains the address.
 */
import { RULE_ALLOW, RULE_AUDIT, RULE_DENY } from '../../layout/policy-rules.ts';
import { type Cidr, cidrContains } from '../../net/ip.ts';
import type { CompiledEgress, CompiledRule, PrefixEntry, RuleProblem } from './compiled.ts';
import { fingerprintOf, PolicyCompileError } from './compiled.ts';
import {
  compareRules,
  type EgressAction,
  type EgressRule,
  MAX_RULES,
  type PathResolvers,
  type Protocol,
} from './rule.ts';
import { type LocalClock, windowsOpen } from './time-window.ts';

const ACTION: Readonly<Record<EgressAction, number>> = {
  deny: RULE_DENY,
  allow: RULE_ALLOW,
  audit: RULE_AUDIT,
};
const PROTOCOL: Readonly<Record<Protocol, number>> = { any: 0, tcp: 6, udp: 17 };

const ANY: Readonly<Record<4 | 6, Cidr>> = {
  4: { family: 4, bytes: new Uint8Array(4), prefixLen: 0 },
  6: { family: 6, bytes: new Uint8Array(16), prefixLen: 0 },
};

export interface CompileOptions {
  readonly resolve: Pick<PathResolvers, 'cgroup'>;
  readonly nowMs: number;
  readonly clock: LocalClock;
}

export function compileEgress(all: readonly EgressRule[], opts: CompileOptions): CompiledEgress {
  const problems: RuleProblem[] = [];
  const kept: { rule: EgressRule; compiled: CompiledRule }[] = [];
  const local = opts.clock(opts.nowMs);
  for (const r of [...all].sort(compareRules)) {
    const cgroup = r.cgroup === undefined ? null : (opts.resolve.cgroup(r.cgroup) ?? undefined);
    if (cgroup === undefined) {
      problems.push({ id: r.id, reason: `cgroup ${r.cgroup} does not exist` });
      continue;
    }
    kept.push({
      rule: r,
      compiled: {
        id: r.id,
        action: ACTION[r.action],
        protocol: PROTOCOL[r.protocol],
        portLo: r.ports?.from ?? 0,
        portHi: r.ports?.to ?? 65535,
        uid: r.uid ?? null,
        cgroup,
        active: windowsOpen(r.windows, local),
      },
    });
  }
  if (kept.length > MAX_RULES) {
    throw new PolicyCompileError(
      'POLICY_TOO_MANY_RULES',
      `${kept.length} egress rules; the kernel tables hold ${MAX_RULES}`,
    );
  }
  const prefixes: PrefixEntry[] = [];
  for (const family of [4, 6] as const) {
    const cidrOf = (r: EgressRule): Cidr | undefined =>
      r.cidr === undefined ? ANY[family] : r.cidr.family === family ? r.cidr : undefined;
    const distinct = new Map<string, Cidr>([[`${family}/0`, ANY[family]]]);
    for (const { rule } of kept) {
      const c = cidrOf(rule);
      if (c) distinct.set(`${Array.from(c.bytes).join('.')}/${c.prefixLen}`, c);
    }
    for (const p of distinct.values()) {
      const slots: number[] = [];
      kept.forEach(({ rule }, slot) => {
        const c = cidrOf(rule);
        if (c && cidrContains(c, p)) slots.push(slot);
      });
      if (slots.length) prefixes.push({ family, prefixLen: p.prefixLen, bytes: p.bytes, slots });
    }
  }
  prefixes.sort((a, b) => a.family - b.family || a.prefixLen - b.prefixLen || cmpBytes(a.bytes, b.bytes));
  const rules = kept.map((k) => k.compiled);
  return { rules, prefixes, problems, fingerprint: fingerprintOf(rules, prefixes) };
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
