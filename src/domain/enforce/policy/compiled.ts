/**
 * Rules compiled to what the kernel tables hold (bpf/include/policy_rules.h):
 * slots in try order, and index entries whose value is the set of slots a
 * key can match. Plain data: the adapter encodes it into map entries, the
 * kernel-faithful evaluator reads it as the programs do.
 */
import { BpfwardenError } from '../../errors.ts';
import type { ResolvedCgroup } from './rule.ts';

export interface CompiledRule {
  readonly id: number;
  /** RULE_DENY (egress deny, exec kill), RULE_ALLOW, RULE_AUDIT. */
  readonly action: number;
  /** 0 any, 6 TCP, 17 UDP (egress). */
  readonly protocol: number;
  readonly portLo: number;
  readonly portHi: number;
  readonly uid: number | null;
  readonly cgroup: ResolvedCgroup | null;
  /** Inside its time window (or without one). */
  readonly active: boolean;
}

/** An index entry: a key and the slots (ascending) it can match. */
export interface PrefixEntry {
  readonly family: 4 | 6;
  readonly prefixLen: number;
  readonly bytes: Uint8Array;
  readonly slots: readonly number[];
}

export interface PathEntry {
  readonly path: string;
  readonly slots: readonly number[];
}

export interface InodeEntry {
  readonly inode: number;
  readonly dev: number;
  readonly slots: readonly number[];
}

/** A content rule's digest (64 lower-case hex digits) and its slots. */
export interface ShaEntry {
  readonly sha256: string;
  readonly slots: readonly number[];
}

/** A rule the kernel tables cannot hold as written, and why (e.g. its cgroup does not exist): left out, or enforced in part. */
export interface RuleProblem {
  readonly id: number;
  readonly reason: string;
}

interface CompiledBase {
  readonly rules: readonly CompiledRule[];
  /** Of everything but the active bits: equal fingerprints differ at most in which rules are active. */
  readonly fingerprint: bigint;
  readonly problems: readonly RuleProblem[];
}

export interface CompiledEgress extends CompiledBase {
  readonly prefixes: readonly PrefixEntry[];
}

export interface CompiledExec extends CompiledBase {
  readonly paths: readonly PathEntry[];
  readonly inodes: readonly InodeEntry[];
  readonly sha256s: readonly ShaEntry[];
}

/** FNV-1a, 64 bits, over a string's UTF-16 code units. */
export function fnv1a64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** The fingerprint of compiled tables, ignoring the rules' active bits. */
export function fingerprintOf(rules: readonly CompiledRule[], index: unknown): bigint {
  const shape = rules.map(({ active: _, ...r }) => r);
  return fnv1a64(
    JSON.stringify([shape, index], (_, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)),
  );
}

/** Rules the kernel tables cannot hold (the policy admin reports it as a PolicyError). */
export class PolicyCompileError extends BpfwardenError {
  declare readonly code: 'POLICY_TOO_MANY_RULES';
  constructor(code: 'POLICY_TOO_MANY_RULES', message: string) {
    super(code, message);
  }
}
