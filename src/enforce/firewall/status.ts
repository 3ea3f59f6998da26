/** What the firewall holds and counts: stored rules and interfaces, link state, kernel counters. */
import type { NativeBridge } from '../../ebpf/index.ts';
import type { FirewallStore, StoredFirewallRule, StoredInterface } from '../../store/firewall-store.ts';
import { type FirewallCounters, type RuleCounters, readCounters, readRuleCounters } from './counters.ts';
import { refOfKey } from './iface-ref.ts';
import { withMaps } from './kernel-sync.ts';
import { isLoaded } from './loader.ts';
import { activeSet } from './map-writer.ts';
import { type LinkState, linkState, pinnedInterfaces } from './xdp.ts';

export interface RuleStatus extends StoredFirewallRule, Partial<RuleCounters> {}

export interface InterfaceStatus extends StoredInterface {
  readonly link: LinkState;
}

export interface FirewallStatus {
  readonly loaded: boolean;
  readonly pinRoot: string;
  readonly activeSet: number | null;
  readonly interfaces: readonly InterfaceStatus[];
  readonly counters: FirewallCounters | null;
  readonly rules: readonly RuleStatus[];
}

export function firewallStatus(
  bridge: NativeBridge,
  pinRoot: string,
  store: FirewallStore,
  here: string | undefined,
): FirewallStatus {
  const loaded = isLoaded(pinRoot);
  const stored = store.rules();
  const ifaces = store.interfaces();
  const names = new Set([...ifaces.map((i) => i.name), ...pinnedInterfaces(pinRoot)]);
  const interfaces = [...names].sort().map((name): InterfaceStatus => {
    const s = ifaces.find((i) => i.name === name);
    return {
      name,
      mode: s?.mode ?? 'auto',
      attachedMode: s?.attachedMode ?? null,
      source: s?.source ?? 'cli',
      updatedUs: s?.updatedUs ?? 0,
      link: linkState(bridge, pinRoot, refOfKey(name), here),
    };
  });
  if (!loaded)
    return { loaded, pinRoot: pinRoot, activeSet: null, interfaces, counters: null, rules: stored };
  return withMaps(bridge, pinRoot, (m) => {
    const per = readRuleCounters(m);
    return {
      loaded,
      pinRoot: pinRoot,
      activeSet: activeSet(m),
      interfaces,
      counters: readCounters(m),
      rules: stored.map((s) => ({ ...s, ...(per.get(s.rule.id) ?? { packets: 0, bytes: 0 }) })),
    };
  });
}
