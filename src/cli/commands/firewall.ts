/**
 * `bpfwarden firewall list|add|rm|stats|attach|detach|changes`: XDP
 * firewall rules and interfaces. Commands work directly (database and
 * pinned maps), with or without a running agent; a change is validated,
 * recorded in the change log and, when the firewall is loaded, applied to
 * the kernel at once (atomically: see docs/enforcement.md).
 */
import type { Command } from 'commander';
import { ruleToJson } from '../../domain/enforce/firewall/rule.ts';
import type { WriteReport } from '../../enforce/firewall/map-writer.ts';
import type { XdpModeWanted } from '../../store/firewall-store.ts';
import { useColor } from '../format/color.ts';
import {
  changesTable,
  countersTable,
  interfacesTable,
  ruleJson,
  rulesTable,
  type Style,
} from '../format/firewall-tables.ts';
import {
  type FirewallCliOptions,
  fromArguments,
  usage,
  withFirewall,
  withFirewallOptions,
  writeJson,
} from './firewall-context.ts';

interface AddOptions extends FirewallCliOptions {
  readonly id?: string;
  readonly priority?: string;
  readonly action?: string;
  readonly protocol?: string;
  readonly src?: string;
  readonly dst?: string;
  readonly sport?: string;
  readonly dport?: string;
  readonly log?: boolean;
  readonly comment?: string;
}

const style = (): Style => ({ color: useColor(process.stdout, process.env) });

function appliedNote(a: WriteReport | undefined): string {
  return a
    ? `applied: ${a.rules} rules now in set ${a.set === 0 ? 'A' : 'B'} (${a.ms.toFixed(0)} ms)`
    : 'stored; the firewall is not loaded here (bpfwarden firewall attach IFACE loads it)';
}

function positiveInt(v: string, what: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 0xffff_ffff)
    throw usage(`${what} must be an integer from 1 to 4294967295, got "${v}"`);
  return Number(v);
}

export function registerFirewallCommand(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  const fw = program
    .command('firewall')
    .description('XDP firewall: rules, interfaces, counters (operates directly: no agent needed)')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo bpfwarden firewall add --action drop --src 203.0.113.0/24
  $ sudo bpfwarden firewall add --priority 10 --action pass --src 203.0.113.7 --protocol tcp --dport 443
  $ sudo bpfwarden firewall attach eth0        load and pin; native XDP, else generic
  $ sudo bpfwarden firewall stats              interfaces, counters, packets per rule
  $ sudo bpfwarden firewall detach             everything off (rules stay stored)`,
    );

  withFirewallOptions(fw.command('list').description('the stored rules, in evaluation order'))
    .option('--json', 'one JSON object per rule')
    .action((o: FirewallCliOptions) =>
      withFirewall(o, (svc) => {
        const rules = svc.rules();
        if (o.json) for (const r of rules) writeJson(out, ruleJson(r));
        else out.write(rulesTable(rules, style()));
      }),
    );

  withFirewallOptions(
    fw
      .command('add')
      .description('add a rule (first match by priority, then id, decides; no match passes)')
      .option('--id <n>', 'rule id, 1..4294967295 (default: one more than the largest)')
      .option('--priority <n>', 'lower runs first, 0..1000000', '1000')
      .option('--action <action>', 'pass | drop | log (log: pass and record)')
      .option('--protocol <proto>', 'any | tcp | udp | icmp | icmpv6', 'any')
      .option('--src <cidr>', 'source prefix, IPv4 or IPv6 (e.g. 10.0.0.0/8, 2001:db8::/32)')
      .option('--dst <cidr>', 'destination prefix')
      .option('--sport <ports>', 'source port or range (tcp/udp), e.g. 53 or 1024-65535')
      .option('--dport <ports>', 'destination port or range (tcp/udp)')
      .option('--log', 'also record hits (bw_policy_event records, rate-limited per rule)')
      .option('--comment <text>', 'free text')
      .option('--json', 'the added rule as JSON'),
  ).action((o: AddOptions) =>
    withFirewall(o, (svc) => {
      const { rule, applied } = fromArguments(() =>
        svc.addRule(
          {
            id: o.id ?? svc.nextId(),
            priority: o.priority,
            action: o.action,
            protocol: o.protocol,
            src: o.src,
            dst: o.dst,
            sport: o.sport,
            dport: o.dport,
            log: o.log ?? false,
            comment: o.comment,
          },
          (f) => `--${f}`,
        ),
      );
      if (o.json) writeJson(out, { ...ruleToJson(rule), applied: applied !== undefined });
      else out.write(`added rule ${rule.id}; ${appliedNote(applied)}\n`);
    }),
  );

  withFirewallOptions(fw.command('rm <id>').description('remove a rule'))
    .option('--json', 'the removed rule as JSON')
    .action((id: string, o: FirewallCliOptions) =>
      withFirewall(o, (svc) => {
        const { rule, applied } = svc.removeRule(positiveInt(id, 'rule id'));
        if (o.json) writeJson(out, { ...ruleJson(rule), applied: applied !== undefined });
        else out.write(`removed rule ${rule.rule.id}; ${appliedNote(applied)}\n`);
      }),
    );

  withFirewallOptions(fw.command('stats').description('interfaces, counters, and packets and bytes per rule'))
    .option('--json', 'one JSON object')
    .action((o: FirewallCliOptions) =>
      withFirewall(o, (svc) => {
        const s = svc.status();
        if (o.json) {
          writeJson(out, { ...s, rules: s.rules.map(ruleJson) });
          return;
        }
        const st = style();
        out.write(
          `firewall: ${s.loaded ? `loaded (pins under ${s.pinRoot}/firewall, set ${s.activeSet === 0 ? 'A' : 'B'} active)` : `not loaded (no pins under ${s.pinRoot}/firewall)`}\n\n`,
        );
        if (s.interfaces.length) out.write(`${interfacesTable(s.interfaces, st)}\n`);
        if (s.counters)
          out.write(
            `${countersTable(s.counters, ['packets', 'nonIp', 'passed', 'ruleDropped', 'noMatch', 'events', 'eventsSuppressed', 'ringFull'], st)}\n`,
          );
        out.write(rulesTable(s.rules, st, true));
      }),
    );

  withFirewallOptions(
    fw
      .command('attach <iface>')
      .description(
        'load the firewall if needed and attach it to an interface of this network namespace (pinned: outlives this command)',
      )
      .option('--mode <mode>', 'auto (native, else generic) | drv (native) | skb (generic)', 'auto')
      .option('--json', 'as JSON'),
  ).action((iface: string, o: FirewallCliOptions & { mode: string }) => {
    if (!['auto', 'drv', 'skb'].includes(o.mode)) throw usage(`--mode ${o.mode}: expected auto, drv or skb`);
    withFirewall(o, (svc) => {
      const a = svc.attach(iface, o.mode as XdpModeWanted);
      const mode = a.mode ?? svc.interfaces().find((i) => i.name === a.iface)?.attachedMode ?? null;
      if (o.json)
        writeJson(out, {
          iface: a.iface,
          name: a.name,
          netns: a.netns ?? null,
          ifindex: a.ifindex,
          mode,
          linkId: a.linkId,
          already: a.mode === undefined,
          pinRoot: svc.pinRoot,
        });
      else
        out.write(
          `${a.mode ? 'attached to' : 'already attached to'} ${a.name}${a.netns ? ` in network namespace ${a.netns} (recorded as ${a.iface})` : ''} (${mode ?? 'mode unknown'} mode, link ${a.linkId})\n`,
        );
    });
  });

  withFirewallOptions(
    fw
      .command('detach [iface]')
      .description(
        'detach from an interface (a name here, or NAME@netns:NS as stats lists it); without one: from all, and remove every pin (enforcement stops)',
      )
      .option('--json', 'as JSON'),
  ).action((iface: string | undefined, o: FirewallCliOptions) =>
    withFirewall(o, (svc) => {
      if (iface) {
        const key = svc.detach(iface);
        if (o.json) writeJson(out, { detached: [key], unloaded: false });
        else out.write(`detached from ${key}\n`);
        return;
      }
      const names = svc.detachAll();
      if (o.json) writeJson(out, { detached: names, unloaded: true });
      else
        out.write(
          `detached from ${names.length ? names.join(', ') : 'no interface'}; firewall unloaded (rules stay stored)\n`,
        );
    }),
  );

  withFirewallOptions(
    fw.command('changes').description('the change log: every add, rm, attach, detach and setting'),
  )
    .option('--limit <n>', 'newest n changes', '50')
    .option('--json', 'one JSON object per change')
    .action((o: FirewallCliOptions & { limit: string }) =>
      withFirewall(o, (svc) => {
        const rows = svc.store.changes(positiveInt(o.limit, '--limit'));
        if (o.json) for (const c of rows) writeJson(out, c);
        else out.write(changesTable(rows, style()));
      }),
    );
}
