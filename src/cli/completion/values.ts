/**
 * Fixed value sets for options and arguments that do not declare commander
 * `choices` (several accept comma-separated lists, or validate themselves
 * with a better message than commander's). Keyed by command path, so the
 * same flag can mean different things under different commands; an entry
 * without a path applies everywhere.
 */
import {
  ACTIONS as FIREWALL_ACTIONS,
  PROTOCOLS as FIREWALL_PROTOCOLS,
} from '../../domain/enforce/firewall/rule.ts';
import { PROTOCOLS as POLICY_PROTOCOLS } from '../../domain/enforce/policy/rule.ts';
import { SEVERITIES } from '../../domain/rules/rule.ts';
import { CGROUP_ATTACH_TYPES, progTypeName } from '../../ebpf/names.ts';
import { EVENT_TYPES } from '../../families/events.ts';
import { SUMMARY_KEYS } from '../../store/event-summary.ts';
import { LINK_KINDS } from '../commands/link-spec-args.ts';
import type { HintSource, ValueHint } from './model.ts';

const choices = (values: readonly string[], list = false): ValueHint => ({
  kind: 'choices',
  values,
  ...(list ? { list: true } : {}),
});

/** Program type names as the kernel numbers them, "unspec" left out. */
function programTypes(): string[] {
  const names: string[] = [];
  for (let t = 1; !progTypeName(t).startsWith('type '); t++) names.push(progTypeName(t));
  return names;
}

interface Entry {
  readonly command?: string;
  readonly name: string;
  readonly hint: ValueHint;
}

const EVENT_TYPE_LIST = choices(EVENT_TYPES, true);

const OPTION_VALUES: readonly Entry[] = [
  { command: 'events', name: '--type', hint: EVENT_TYPE_LIST },
  { command: 'events summary', name: '--type', hint: EVENT_TYPE_LIST },
  { command: 'events summary', name: '--by', hint: choices(SUMMARY_KEYS) },
  { command: 'prog list', name: '--type', hint: choices(programTypes()) },
  { command: 'link attach', name: '--mode', hint: choices(['skb', 'drv']) },
  { command: 'link attach', name: '--direction', hint: choices(['ingress', 'egress']) },
  { command: 'link attach', name: '--attach-type', hint: choices(Object.keys(CGROUP_ATTACH_TYPES)) },
  { command: 'policy add egress', name: '--protocol', hint: choices(POLICY_PROTOCOLS) },
  { command: 'policy test egress', name: '--protocol', hint: choices(['tcp', 'udp']) },
  { command: 'firewall add', name: '--action', hint: choices(FIREWALL_ACTIONS) },
  { command: 'firewall add', name: '--protocol', hint: choices(FIREWALL_PROTOCOLS) },
  { command: 'firewall attach', name: '--mode', hint: choices(['auto', 'drv', 'skb']) },
  { name: '--severity', hint: choices(SEVERITIES) },
];

const POLICY_KINDS = choices(['egress', 'exec']);

const ARG_VALUES: readonly Entry[] = [
  { command: 'link attach', name: 'kind', hint: choices(LINK_KINDS) },
  { command: 'policy list', name: 'kind', hint: POLICY_KINDS },
  { command: 'policy apply', name: 'kind', hint: POLICY_KINDS },
  { command: 'policy unload', name: 'kind', hint: POLICY_KINDS },
];

function lookup(table: readonly Entry[], path: readonly string[], name: string): ValueHint | undefined {
  const at = path.join(' ');
  return (
    table.find((e) => e.command === at && e.name === name)?.hint ??
    table.find((e) => e.command === undefined && e.name === name)?.hint
  );
}

export const BPFWARDEN_HINTS: HintSource = {
  option: (path, long) => lookup(OPTION_VALUES, path, long),
  arg: (path, name) => lookup(ARG_VALUES, path, name),
};
