/**
 * `bpfwarden ratelimit show|set|clear|stats`: the firewall's per-source
 * token buckets (rate limit and SYN guard) and the rate of policy records.
 * Settings are stored and, when the firewall is loaded, written to the
 * kernel at once. Rates are per source address per CPU (docs/enforcement.md).
 */
import type { Command } from 'commander';
import type { RateLimitSettings } from '../../domain/enforce/firewall/ratelimit.ts';
import { useColor } from '../format/color.ts';
import { countersTable, rateLimitTable, sourcesTable } from '../format/firewall-tables.ts';
import {
  type FirewallCliOptions,
  fromArguments,
  usage,
  withFirewall,
  withFirewallOptions,
  writeJson,
} from './firewall-context.ts';

const FLAGS: Record<keyof RateLimitSettings, string> = {
  rate: '--rate',
  burst: '--burst',
  synRate: '--syn-rate',
  synBurst: '--syn-burst',
  logRate: '--log-rate',
  logBurst: '--log-burst',
};

type SetOptions = FirewallCliOptions & { [K in keyof RateLimitSettings]?: string };

const color = (): boolean => useColor(process.stdout, process.env);

export function registerRatelimitCommand(
  program: Command,
  out: NodeJS.WritableStream = process.stdout,
): void {
  const rl = program
    .command('ratelimit')
    .description('per-source rate limit and SYN flood guard of the XDP firewall (operates directly)')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo bpfwarden ratelimit set --rate 20000 --burst 40000 --syn-rate 200
  $ sudo bpfwarden ratelimit stats --top 10     allowed, dropped, the sources that dropped most
  $ sudo bpfwarden ratelimit clear              rate limit and SYN guard off`,
    );

  withFirewallOptions(rl.command('show').description('the settings'))
    .option('--json', 'as JSON')
    .action((o: FirewallCliOptions) =>
      withFirewall(o, (svc) => {
        const s = svc.rateLimit();
        if (o.json) writeJson(out, s);
        else out.write(rateLimitTable(s, { color: color() }));
      }),
    );

  withFirewallOptions(
    rl
      .command('set')
      .description(
        'change settings; a rate of 0 turns its limit off; a rate without a burst gets one second of burst',
      )
      .option('--rate <pps>', 'packets per second per source address, per CPU')
      .option('--burst <packets>', 'packets a source may send at once')
      .option('--syn-rate <pps>', 'TCP SYNs (without ACK) per second per source address, per CPU')
      .option('--syn-burst <packets>', 'SYNs a source may send at once')
      .option('--log-rate <per-second>', 'policy records per second per log rule, per CPU (0: no limit)')
      .option('--log-burst <records>', 'records a log rule may send at once')
      .option('--json', 'the new settings as JSON'),
  ).action((o: SetOptions) => {
    const change: Partial<Record<keyof RateLimitSettings, string>> = {};
    for (const k of Object.keys(FLAGS) as (keyof RateLimitSettings)[])
      if (o[k] !== undefined) change[k] = o[k];
    if (Object.keys(change).length === 0)
      throw usage(`ratelimit set needs at least one of ${Object.values(FLAGS).join(', ')}`);
    withFirewall(o, (svc) => {
      const s = fromArguments(() => svc.setRateLimit(change, (k) => FLAGS[k]));
      if (o.json) writeJson(out, { ...s, applied: svc.loaded });
      else
        out.write(
          `${rateLimitTable(s, { color: color() })}${svc.loaded ? 'applied\n' : 'stored; the firewall is not loaded here\n'}`,
        );
    });
  });

  withFirewallOptions(rl.command('clear').description('turn the rate limit and SYN guard off'))
    .option('--json', 'the new settings as JSON')
    .action((o: FirewallCliOptions) =>
      withFirewall(o, (svc) => {
        const s = svc.clearRateLimit();
        if (o.json) writeJson(out, { ...s, applied: svc.loaded });
        else out.write('rate limit and SYN guard off\n');
      }),
    );

  withFirewallOptions(
    rl.command('stats').description('packets allowed and dropped, and the sources that dropped most'),
  )
    .option('--top <n>', 'sources shown', '20')
    .option('--json', 'one JSON object')
    .action((o: FirewallCliOptions & { top: string }) => {
      if (!/^\d+$/.test(o.top)) throw usage(`--top must be a non-negative integer, got "${o.top}"`);
      withFirewall(o, (svc) => {
        const counters = svc.counters();
        const sources = svc.sources(Number(o.top));
        if (o.json) {
          writeJson(out, {
            loaded: counters !== null,
            settings: svc.rateLimit(),
            allowed: counters?.rateAllowed ?? 0,
            dropped: counters?.rateDropped ?? 0,
            synDropped: counters?.synDropped ?? 0,
            sources,
          });
          return;
        }
        if (!counters) {
          out.write('the firewall is not loaded here: no counters\n');
          return;
        }
        out.write(countersTable(counters, ['rateAllowed', 'rateDropped', 'synDropped'], { color: color() }));
        if (sources.length) out.write(`\n${sourcesTable(sources, { color: color() })}`);
      });
    });
}
