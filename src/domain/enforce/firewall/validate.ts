/**
 * Rule validation: raw input (CLI flags, config entries, API bodies, stored
 * rows) to a FirewallRule, or every problem found, each naming its field and
 * what was expected. Callers map field names to their own (--src, rules.3.src).
 */
import { type Family, parseCidr } from './cidr.ts';
import { FirewallError } from './errors.ts';
import {
  ACTIONS,
  type Action,
  DEFAULT_PRIORITY,
  type FirewallRule,
  MAX_COMMENT,
  MAX_PRIORITY,
  MAX_RULE_ID,
  type PortRange,
  PROTOCOLS,
  type Protocol,
} from './rule.ts';

export interface RuleInput {
  readonly id?: unknown;
  readonly priority?: unknown;
  readonly action?: unknown;
  readonly log?: unknown;
  readonly protocol?: unknown;
  readonly src?: unknown;
  readonly dst?: unknown;
  readonly sport?: unknown;
  readonly dport?: unknown;
  readonly comment?: unknown;
}

export type RuleField = keyof RuleInput & string;

export interface Problem {
  readonly field: RuleField;
  readonly message: string;
}

export type RuleResult =
  | { readonly ok: true; readonly rule: FirewallRule }
  | { readonly ok: false; readonly problems: readonly Problem[] };

const absent = (v: unknown): boolean => v === undefined || v === null || v === '';

/** An integer from a number or a decimal string within [min, max], else undefined. */
function integer(v: unknown, min: number, max: number): number | undefined {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

export type PortsResult = { ok: true; range: PortRange } | { ok: false; error: string };

/** "80", 80, or "1000-2000" (inclusive, 0..65535). */
export function parsePorts(v: unknown): PortsResult {
  const expected = 'expected a port (0-65535) or a range like 1000-2000';
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined;
  const m = text === undefined ? null : /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return { ok: false, error: `${JSON.stringify(v)} is not a port or port range (${expected})` };
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo > 65535 || hi > 65535) return { ok: false, error: `${text}: ports go up to 65535 (${expected})` };
  if (lo > hi) return { ok: false, error: `${text}: the range starts after it ends (${expected})` };
  return { ok: true, range: { lo, hi } };
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[]): T | undefined {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v.trim().toLowerCase())
    ? (v.trim().toLowerCase() as T)
    : undefined;
}

export function validateRule(input: RuleInput): RuleResult {
  const problems: Problem[] = [];
  const fail = (field: RuleField, message: string): void => {
    problems.push({ field, message });
  };

  const id = integer(input.id, 1, MAX_RULE_ID);
  if (id === undefined)
    fail('id', `${JSON.stringify(input.id)} is not a rule id (expected an integer from 1 to ${MAX_RULE_ID})`);

  const priority = absent(input.priority) ? DEFAULT_PRIORITY : integer(input.priority, 0, MAX_PRIORITY);
  if (priority === undefined)
    fail(
      'priority',
      `${JSON.stringify(input.priority)} is not a priority (expected an integer from 0 to ${MAX_PRIORITY}; lower runs first)`,
    );

  const action = oneOf<Action>(input.action, ACTIONS);
  if (!action)
    fail(
      'action',
      `${absent(input.action) ? 'missing' : `unknown action ${JSON.stringify(input.action)}`} (expected one of ${ACTIONS.join(', ')})`,
    );

  const protocol = absent(input.protocol) ? 'any' : oneOf<Protocol>(input.protocol, PROTOCOLS);
  if (!protocol)
    fail(
      'protocol',
      `unknown protocol ${JSON.stringify(input.protocol)} (expected one of ${PROTOCOLS.join(', ')})`,
    );

  let log = action === 'log';
  if (!absent(input.log)) {
    if (typeof input.log !== 'boolean') fail('log', `${JSON.stringify(input.log)} is not true or false`);
    else log ||= input.log;
  }

  const cidr = (field: 'src' | 'dst') => {
    const v = input[field];
    if (absent(v)) return undefined;
    if (typeof v !== 'string') {
      fail(
        field,
        `${JSON.stringify(v)} is not a CIDR prefix (expected text like 10.0.0.0/8 or 2001:db8::/32)`,
      );
      return undefined;
    }
    const r = parseCidr(v);
    if (!r.ok) fail(field, r.error);
    return r.ok ? r.cidr : undefined;
  };
  const src = cidr('src');
  const dst = cidr('dst');

  const ports = (field: 'sport' | 'dport') => {
    const v = input[field];
    if (absent(v)) return undefined;
    const r = parsePorts(v);
    if (!r.ok) fail(field, r.error);
    else if (protocol && protocol !== 'tcp' && protocol !== 'udp')
      fail(field, `ports need protocol tcp or udp (the rule's protocol is ${protocol})`);
    return r.ok ? r.range : undefined;
  };
  const srcPorts = ports('sport');
  const dstPorts = ports('dport');

  if (src && dst && src.family !== dst.family)
    fail('dst', `source is IPv${src.family} but destination is IPv${dst.family}; a rule matches one family`);
  const family: Family | undefined = src?.family ?? dst?.family;
  if (protocol === 'icmp' && family === 6) fail('protocol', 'icmp is IPv4; use icmpv6 with IPv6 addresses');
  if (protocol === 'icmpv6' && family === 4) fail('protocol', 'icmpv6 is IPv6; use icmp with IPv4 addresses');

  let comment = '';
  if (!absent(input.comment)) {
    if (typeof input.comment !== 'string' || input.comment.length > MAX_COMMENT)
      fail('comment', `expected text of at most ${MAX_COMMENT} characters`);
    else comment = input.comment;
  }

  if (problems.length > 0 || id === undefined || priority === undefined || !action || !protocol)
    return { ok: false, problems };
  return {
    ok: true,
    rule: {
      id,
      priority,
      action,
      log,
      protocol,
      comment,
      ...(src ? { src } : {}),
      ...(dst ? { dst } : {}),
      ...(srcPorts ? { srcPorts } : {}),
      ...(dstPorts ? { dstPorts } : {}),
    },
  };
}

/**
 * A valid rule, or a FIREWALL_BAD_RULE error listing every problem with the
 * caller's names for the fields (its `field`: the first).
 */
export function requireRule(input: RuleInput, fieldName: (f: RuleField) => string = (f) => f): FirewallRule {
  const r = validateRule(input);
  if (r.ok) return r.rule;
  const first = r.problems[0];
  throw new FirewallError(
    'FIREWALL_BAD_RULE',
    r.problems.map((p) => `${fieldName(p.field)}: ${p.message}`).join('; '),
    { field: first ? fieldName(first.field) : undefined },
  );
}

/** Ids used twice, each once. */
export function duplicateIds(rules: readonly { id: number }[]): number[] {
  const seen = new Set<number>();
  const dup = new Set<number>();
  for (const r of rules) (seen.has(r.id) ? dup : seen).add(r.id);
  return [...dup];
}
