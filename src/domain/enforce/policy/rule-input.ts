/**
 * Rules from their written form (config file, CLI flags, stored JSON) to
 * validated rules. The types of the fields are checked at the boundary
 * (zod); this checks what they mean and names the field in every message.
 */
import { parseCidr } from '../../net/ip.ts';
import {
  DEFAULT_PRIORITY,
  type EgressAction,
  type EgressRule,
  type ExecAction,
  type ExecRule,
  MAX_EXEC_PATH_BYTES,
  type Protocol,
  SHA256_HEX,
} from './rule.ts';
import { parseWindow, type TimeWindow, WINDOW_FORMS } from './time-window.ts';

interface InputBase {
  readonly id: number;
  readonly priority?: number | undefined;
  readonly cgroup?: string | undefined;
  readonly uid?: number | undefined;
  readonly windows?: readonly string[] | undefined;
  readonly comment?: string | undefined;
}

export interface EgressRuleInput extends InputBase {
  readonly action: EgressAction;
  readonly cidr?: string | undefined;
  /** "443", "8000-8080", or a number. */
  readonly ports?: string | number | undefined;
  readonly protocol?: Protocol | undefined;
}

export interface ExecRuleInput extends InputBase {
  readonly action: ExecAction;
  readonly path?: string | undefined;
  readonly binary?: string | undefined;
  readonly sha256?: string | undefined;
}

/** A problem with one field of a rule: `field` is its key. */
export interface RuleIssue {
  readonly field: string;
  readonly message: string;
}

export type RuleResult<R> = { readonly rule: R } | { readonly issues: readonly RuleIssue[] };

export function parsePortRange(v: string | number): { from: number; to: number } | { error: string } {
  const text = String(v).trim();
  const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(text);
  const from = m ? Number(m[1]) : Number.NaN;
  const to = m ? Number(m[2] ?? m[1]) : Number.NaN;
  if (!m || from > 65535 || to > 65535) {
    return { error: `"${text}" must be a port (0 to 65535) or a range like 8000-8080` };
  }
  if (from > to) return { error: `"${text}": the range starts after it ends` };
  return { from, to };
}

function commonIssues(i: InputBase, issues: RuleIssue[]): TimeWindow[] | undefined {
  if (i.cgroup !== undefined && (!i.cgroup.startsWith('/') || i.cgroup.split('/').includes('..'))) {
    issues.push({
      field: 'cgroup',
      message: `"${i.cgroup}" must be an absolute path of a cgroup v2 directory`,
    });
  }
  if (!i.windows) return undefined;
  const windows: TimeWindow[] = [];
  for (const [n, text] of i.windows.entries()) {
    const w = parseWindow(text);
    if ('error' in w) issues.push({ field: `windows.${n}`, message: `${w.error}; expected ${WINDOW_FORMS}` });
    else windows.push(w.window);
  }
  return windows.length ? windows : undefined;
}

/** Optional fields only when present, so rules compare and serialize cleanly. */
function scope(i: InputBase, windows: TimeWindow[] | undefined) {
  return {
    id: i.id,
    priority: i.priority ?? DEFAULT_PRIORITY,
    ...(i.cgroup !== undefined ? { cgroup: i.cgroup.replace(/\/+$/, '') || '/' } : {}),
    ...(i.uid !== undefined ? { uid: i.uid } : {}),
    ...(windows ? { windows } : {}),
    ...(i.comment !== undefined ? { comment: i.comment } : {}),
  };
}

/** Why a sha256 value is not one, or undefined when it is. */
export function sha256Issue(v: string): string | undefined {
  if (SHA256_HEX.test(v)) return undefined;
  const digits = v.replace(/[^0-9a-fA-F]/g, '').length;
  return digits === v.length
    ? `must be 64 hex digits (a SHA-256), got ${v.length}`
    : 'must be 64 hex digits (a SHA-256): only 0-9 and a-f';
}

export function egressRuleFrom(i: EgressRuleInput): RuleResult<EgressRule> {
  const issues: RuleIssue[] = [];
  const windows = commonIssues(i, issues);
  let cidr: EgressRule['cidr'];
  if (i.cidr !== undefined) {
    const c = parseCidr(i.cidr);
    if ('error' in c) issues.push({ field: 'cidr', message: c.error });
    else cidr = c.cidr;
  }
  let ports: EgressRule['ports'];
  if (i.ports !== undefined) {
    const p = parsePortRange(i.ports);
    if ('error' in p) issues.push({ field: 'ports', message: p.error });
    else if (p.from !== 0 || p.to !== 65535) ports = p;
  }
  if (issues.length) return { issues };
  return {
    rule: {
      kind: 'egress',
      action: i.action,
      protocol: i.protocol ?? 'any',
      ...(cidr ? { cidr } : {}),
      ...(ports ? { ports } : {}),
      ...scope(i, windows),
    },
  };
}

export function execRuleFrom(i: ExecRuleInput): RuleResult<ExecRule> {
  const issues: RuleIssue[] = [];
  const windows = commonIssues(i, issues);
  if (i.path === undefined && i.binary === undefined && i.sha256 === undefined) {
    issues.push({
      field: 'path',
      message:
        "an exec rule needs a path (the filename as exec'd), a binary (a file matched by identity) or a sha256 (a file matched by content)",
    });
  }
  const shaIssue = i.sha256 === undefined ? undefined : sha256Issue(i.sha256);
  if (shaIssue) issues.push({ field: 'sha256', message: shaIssue });
  for (const field of ['path', 'binary'] as const) {
    const v = i[field];
    if (v === undefined) continue;
    if (!v.startsWith('/')) issues.push({ field, message: `"${v}" must be an absolute path` });
    else if (new TextEncoder().encode(v).length > MAX_EXEC_PATH_BYTES) {
      issues.push({ field, message: `is longer than the ${MAX_EXEC_PATH_BYTES} bytes the kernel compares` });
    }
  }
  if (issues.length) return { issues };
  return {
    rule: {
      kind: 'exec',
      action: i.action,
      ...(i.path !== undefined ? { path: i.path } : {}),
      ...(i.binary !== undefined ? { binary: i.binary } : {}),
      ...(i.sha256 !== undefined ? { sha256: i.sha256.toLowerCase() } : {}),
      ...scope(i, windows),
    },
  };
}
