/**
 * Egress and exec policy rules as the user states them (config file or
 * CLI), after validation. Rules are tried in priority order (lower first);
 * the first whose conditions all match decides.
 */
import type { Cidr } from '../../net/ip.ts';
import type { TimeWindow } from './time-window.ts';

export const EGRESS_ACTIONS = ['deny', 'allow', 'audit'] as const;
export type EgressAction = (typeof EGRESS_ACTIONS)[number];
export const EXEC_ACTIONS = ['kill', 'audit'] as const;
export type ExecAction = (typeof EXEC_ACTIONS)[number];
export const PROTOCOLS = ['tcp', 'udp', 'any'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export type PolicyKind = 'egress' | 'exec';

export const DEFAULT_PRIORITY = 100;
export const MAX_PRIORITY = 65535;
/** Ids are u32 in the kernel; 0 means "no rule" in records. */
export const MAX_RULE_ID = 4294967295;
/** Rules per kind the kernel tables hold. */
export const MAX_RULES = 256;
/** The kernel compares at most this many bytes of an exec'd path (PATH_MAX of the record, with the NUL). */
export const MAX_EXEC_PATH_BYTES = 255;

/** Who the rule applies to; absent fields match everyone. */
export interface RuleScope {
  /** A cgroup v2 directory: processes in it or below it. */
  readonly cgroup?: string;
  /** Processes whose real uid is this. */
  readonly uid?: number;
}

interface RuleBase extends RuleScope {
  readonly id: number;
  readonly priority: number;
  /** Active only while one of these is open (local time); absent: always. */
  readonly windows?: readonly TimeWindow[];
  readonly comment?: string;
}

export interface EgressRule extends RuleBase {
  readonly kind: 'egress';
  readonly action: EgressAction;
  /** Destination prefix; absent: any address of either family. */
  readonly cidr?: Cidr;
  /** Destination port range, inclusive; absent: any port. */
  readonly ports?: { readonly from: number; readonly to: number };
  readonly protocol: Protocol;
}

export interface ExecRule extends RuleBase {
  readonly kind: 'exec';
  readonly action: ExecAction;
  /** The filename exactly as exec'd (what execve() was given). */
  readonly path?: string;
  /**
   * A file whose identity (inode and device, read when rules are applied)
   * is matched: the same program under any name, link or symlink. Either
   * this or `path` matching is enough.
   */
  readonly binary?: string;
  /**
   * The file's content: its SHA-256, 64 lower-case hex digits. Matches any
   * copy of the file, under any name; checked by the agent at the first
   * exec of each file (the process waits, stopped, until it is hashed).
   */
  readonly sha256?: string;
}

export type PolicyRule = EgressRule | ExecRule;

/** A rule's cgroup as the kernel sees it: id (the directory's inode) and depth below the root. */
export interface ResolvedCgroup {
  readonly id: number;
  readonly level: number;
}

/** What a sha256 rule states: 64 hex digits (either case; stored lower-case). */
export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** A binary's identity as stat(2) reports it. */
export interface ResolvedBinary {
  readonly inode: number;
  readonly dev: number;
}

/**
 * What rules name by path, resolved when they are applied: a cgroup or a
 * binary that does not exist then gives undefined (that part of the rule
 * matches nothing, and the rule is reported).
 */
export interface PathResolvers {
  readonly cgroup: (path: string) => ResolvedCgroup | undefined;
  readonly binary: (path: string) => ResolvedBinary | undefined;
}

const EGRESS_RANK: Readonly<Record<EgressAction, number>> = { allow: 0, deny: 1, audit: 2 };
const EXEC_RANK: Readonly<Record<ExecAction, number>> = { kill: 0, audit: 1 };

function rank(r: PolicyRule): number {
  return r.kind === 'egress' ? EGRESS_RANK[r.action] : EXEC_RANK[r.action];
}

/**
 * The order rules are tried in: priority (lower first); at equal priority
 * allow before deny before audit (egress), kill before audit (exec); then id.
 */
export function compareRules(a: PolicyRule, b: PolicyRule): number {
  return a.priority - b.priority || rank(a) - rank(b) || a.id - b.id;
}
