/**
 * The XDP firewall for the API, over the same service the CLI uses (author
 * "api" in the change log). Its errors pass through as they are: their kind
 * gives the status, their `field` the body's field.
 */
import { ruleToJson } from '../../../domain/enforce/firewall/rule.ts';
import type { RuleInput } from '../../../domain/enforce/firewall/validate.ts';
import type { NativeBridge } from '../../../ebpf/index.ts';
import { withFirewallService } from '../../../enforce/firewall/factory.ts';
import type { FirewallService } from '../../../enforce/firewall/service.ts';
import type { RuleStatus } from '../../../enforce/firewall/status.ts';
import type { StoredFirewallRule } from '../../../store/firewall-store.ts';
import type { FirewallApi } from '../deps.ts';

export interface FirewallApiOptions {
  /** The agent's database, opened per call. */
  readonly dbPath: string;
  /** Where the enforcement pins live (enforcePinRoot of the configuration). */
  readonly pinRoot: string;
}

function asJson(s: StoredFirewallRule | RuleStatus): Record<string, unknown> {
  return {
    ...ruleToJson(s.rule),
    source: s.source,
    createdUs: s.createdUs,
    ...('packets' in s && s.packets !== undefined ? { packets: s.packets, bytes: s.bytes } : {}),
  };
}

export function firewallApi(bridge: NativeBridge, o: FirewallApiOptions): FirewallApi {
  const run = <T>(fn: (svc: FirewallService) => T): T =>
    withFirewallService(
      { bridge, dbPath: o.dbPath, pinRoot: o.pinRoot, author: { who: 'api', user: null } },
      fn,
    );
  return {
    rules: () => run((svc) => svc.rules().map(asJson)),
    add: (body) =>
      run((svc) => {
        const input = { ...body, id: body.id ?? svc.nextId() } as RuleInput;
        return ruleToJson(svc.addRule(input).rule) as unknown as Record<string, unknown>;
      }),
    remove: (id) => run((svc) => void svc.removeRule(id)),
    stats: () =>
      run((svc) => {
        const s = svc.status();
        return { ...s, rules: s.rules.map(asJson) };
      }),
  };
}
