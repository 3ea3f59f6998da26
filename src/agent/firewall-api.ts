/** The XDP firewall for the API, over the same service the CLI uses (author "api" in the change log). */
import type { FirewallApi } from '../api/http/deps.ts';
import { HttpError } from '../api/http/errors.ts';
import { FirewallError } from '../domain/enforce/firewall/errors.ts';
import { ruleToJson } from '../domain/enforce/firewall/rule.ts';
import type { RuleInput } from '../domain/enforce/firewall/validate.ts';
import type { NativeBridge } from '../ebpf/index.ts';
import { withFirewallService } from '../enforce/firewall/factory.ts';
import type { FirewallService } from '../enforce/firewall/service.ts';
import type { RuleStatus } from '../enforce/firewall/status.ts';
import { enforcePinRoot } from '../host/enforce-pins.ts';
import type { StoredFirewallRule } from '../store/firewall-store.ts';
import type { Config } from './config.ts';

const STATUS: Record<string, number> = {
  BAD_RULE: 400,
  BAD_ARGUMENT: 400,
  DUPLICATE_ID: 409,
  FROM_CONFIG: 409,
  RULES_DO_NOT_FIT: 409,
  RULE_NOT_FOUND: 404,
};

function asJson(s: StoredFirewallRule | RuleStatus): Record<string, unknown> {
  return {
    ...ruleToJson(s.rule),
    source: s.source,
    createdUs: s.createdUs,
    ...('packets' in s && s.packets !== undefined ? { packets: s.packets, bytes: s.bytes } : {}),
  };
}

export function firewallApi(bridge: NativeBridge, config: Config): FirewallApi {
  const pinRoot = enforcePinRoot(config.enforcement.pinRoot);
  const run = <T>(fn: (svc: FirewallService) => T): T => {
    try {
      return withFirewallService(
        { bridge, dbPath: config.database, pinRoot, author: { who: 'api', user: null } },
        fn,
      );
    } catch (err) {
      if (err instanceof FirewallError) {
        const field = /^([a-z]+): /.exec(err.message)?.[1];
        throw new HttpError(STATUS[err.code] ?? 500, err.code, err.message, field);
      }
      throw err;
    }
  };
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
