/** Human output of the firewall and rate limit commands. */
import type { RateLimitSettings } from '../../domain/enforce/firewall/ratelimit.ts';
import { ruleToJson } from '../../domain/enforce/firewall/rule.ts';
import type { FirewallCounters, SourceCounters } from '../../enforce/firewall/counters.ts';
import type { InterfaceStatus, RuleStatus } from '../../enforce/firewall/service.ts';
import type { FirewallChange, StoredFirewallRule } from '../../store/firewall-store.ts';
import { formatLocalTime } from './event-row.ts';
import { renderTable } from './table.ts';

export interface Style {
  readonly color: boolean;
}

export function ruleJson(s: StoredFirewallRule | RuleStatus): Record<string, unknown> {
  return {
    ...ruleToJson(s.rule),
    source: s.source,
    createdAt: new Date(Math.floor(s.createdUs / 1000)).toISOString(),
    ...('packets' in s && s.packets !== undefined ? { packets: s.packets, bytes: s.bytes } : {}),
  };
}

export function rulesTable(
  rules: readonly (StoredFirewallRule | RuleStatus)[],
  style: Style,
  counters = false,
): string {
  return renderTable(
    [
      { header: 'ID', align: 'right' },
      { header: 'PRIO', align: 'right' },
      { header: 'ACTION' },
      { header: 'LOG' },
      { header: 'PROTO' },
      { header: 'SOURCE ADDR', max: 43 },
      { header: 'SPORT' },
      { header: 'DEST ADDR', max: 43 },
      { header: 'DPORT' },
      ...(counters
        ? [
            { header: 'PACKETS', align: 'right' as const },
            { header: 'BYTES', align: 'right' as const },
          ]
        : []),
      { header: 'FROM' },
      { header: 'COMMENT', max: 40 },
    ],
    rules.map((s) => {
      const j = ruleToJson(s.rule);
      const c = 'packets' in s && s.packets !== undefined ? [String(s.packets), String(s.bytes)] : ['-', '-'];
      return [
        String(j.id),
        String(j.priority),
        j.action,
        j.log ? 'yes' : 'no',
        j.protocol,
        j.src ?? 'any',
        j.sport ?? '-',
        j.dst ?? 'any',
        j.dport ?? '-',
        ...(counters ? c : []),
        s.source,
        j.comment,
      ];
    }),
    style,
  );
}

export function interfacesTable(ifaces: readonly InterfaceStatus[], style: Style): string {
  return renderTable(
    [
      { header: 'INTERFACE' },
      { header: 'MODE' },
      { header: 'ATTACHED' },
      { header: 'LINK', align: 'right' },
      { header: 'FROM' },
    ],
    ifaces.map((i) => [
      i.name,
      i.attachedMode ? `${i.attachedMode}${i.mode === 'auto' ? ' (auto)' : ''}` : i.mode,
      i.link.attached ? 'yes' : i.link.pinned ? 'no (interface gone)' : 'no',
      i.link.linkId === null ? '-' : String(i.link.linkId),
      i.source,
    ]),
    style,
  );
}

const COUNTER_LABELS: Record<keyof FirewallCounters, string> = {
  packets: 'packets seen',
  nonIp: 'not IP (passed)',
  passed: 'IP passed',
  ruleDropped: 'dropped by rules',
  noMatch: 'no rule matched',
  rateAllowed: 'passed the rate limit',
  rateDropped: 'dropped by the rate limit',
  synDropped: 'dropped by the SYN guard',
  events: 'policy records sent',
  eventsSuppressed: 'policy records suppressed',
  ringFull: 'policy records lost (ring full)',
};

export function countersTable(
  c: FirewallCounters,
  keys: readonly (keyof FirewallCounters)[],
  style: Style,
): string {
  return renderTable(
    [{ header: 'COUNTER' }, { header: 'VALUE', align: 'right' }],
    keys.map((k) => [COUNTER_LABELS[k], String(c[k])]),
    style,
  );
}

export function rateLimitTable(s: RateLimitSettings, style: Style): string {
  const limit = (rate: number, burst: number, off: string): string =>
    rate ? `${rate}/s, burst ${burst}` : off;
  return renderTable(
    [{ header: 'LIMIT' }, { header: 'SETTING' }],
    [
      ['rate (per source, per CPU)', limit(s.rate, s.burst, 'off')],
      ['SYN guard (per source, per CPU)', limit(s.synRate, s.synBurst, 'off')],
      ['log records (per rule, per CPU)', limit(s.logRate, s.logBurst, 'no limit')],
    ],
    style,
  );
}

export function sourcesTable(rows: readonly SourceCounters[], style: Style): string {
  return renderTable(
    [
      { header: 'SOURCE' },
      { header: 'ALLOWED', align: 'right' },
      { header: 'DROPPED', align: 'right' },
      { header: 'SYN DROPPED', align: 'right' },
    ],
    rows.map((r) => [r.source, String(r.allowed), String(r.dropped), String(r.synDropped)]),
    style,
  );
}

export function changesTable(rows: readonly FirewallChange[], style: Style): string {
  return renderTable(
    [
      { header: 'TIME' },
      { header: 'WHO' },
      { header: 'USER' },
      { header: 'OP' },
      { header: 'TARGET' },
      { header: 'DETAIL', max: 80 },
    ],
    rows.map((c) => [
      formatLocalTime(c.timeUs),
      c.who,
      c.user ?? '-',
      c.op,
      c.target,
      c.detail === null ? '' : JSON.stringify(c.detail),
    ]),
    style,
  );
}
