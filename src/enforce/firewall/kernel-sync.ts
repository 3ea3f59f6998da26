/** Writing the store's desired state to the pinned maps, and opening them for one operation. */
import { type CompiledRuleSet, compileRules } from '../../domain/enforce/firewall/compile.ts';
import type { NativeBridge } from '../../ebpf/index.ts';
import type { FirewallStore } from '../../store/firewall-store.ts';
import { FirewallMaps, isLoaded } from './loader.ts';
import { type WriteReport, writeRuleSet, writeSettings } from './map-writer.ts';

/** Opens the pinned maps for f, closed afterwards. */
export function withMaps<T>(bridge: NativeBridge, root: string, f: (m: FirewallMaps) => T): T {
  const m = FirewallMaps.open(bridge, root);
  try {
    return f(m);
  } finally {
    m.close();
  }
}

/** Writes the stored settings and rule set (the firewall must be loaded). */
export function syncKernel(bridge: NativeBridge, root: string, store: FirewallStore): WriteReport {
  const compiled = compileRules(store.rules().map((r) => r.rule));
  const settings = store.rateLimit().settings;
  return withMaps(bridge, root, (m) => {
    writeSettings(m, settings);
    return writeRuleSet(m, compiled);
  });
}

/** Writes a compiled rule set when the firewall is loaded; stored-only otherwise. */
export function applyIfLoaded(
  bridge: NativeBridge,
  root: string,
  compiled: CompiledRuleSet,
): { applied?: WriteReport } {
  return isLoaded(root) ? { applied: withMaps(bridge, root, (m) => writeRuleSet(m, compiled)) } : {};
}
