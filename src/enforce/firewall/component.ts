/**
 * The firewall as an enforcement component of the agent: apply() records
 * the config's rules, rate limits and interfaces in the store (source
 * "config"), loads and pins the XDP program if it is not pinned yet, writes
 * the stored rules and settings to its maps and attaches every stored
 * interface. With no interface recorded (and nothing loaded) it loads
 * nothing: an unattached program would only sit pinned. The pins keep enforcing after the agent exits; close({ unload:
 * true }) (the agent's --unload-on-exit) detaches and unpins everything.
 */
import type { DatabaseSync } from 'node:sqlite';
import { requireRule } from '../../domain/enforce/firewall/validate.ts';
import type { NativeBridge } from '../../ebpf/index.ts';
import type { EnforcementComponent } from '../component.ts';
import { configInterfaces, type FirewallConfig } from './config.ts';
import { createFirewallService } from './factory.ts';
import { COMPONENT } from './pins.ts';
import type { FirewallService } from './service.ts';

export interface FirewallComponentOptions {
  readonly bridge: NativeBridge;
  /** The agent's writable database. */
  readonly db: DatabaseSync;
  readonly pinRoot: string;
  /** The `enforcement.firewall` section; absent: only what the store holds (CLI changes). */
  readonly config?: FirewallConfig;
  /** One line per notable outcome (XDP mode per interface, problems). */
  readonly log?: (line: string) => void;
}

const RATE_KEYS = {
  packetsPerSecond: 'rate',
  burst: 'burst',
  synPerSecond: 'synRate',
  synBurst: 'synBurst',
  logPerSecond: 'logRate',
  logBurst: 'logBurst',
} as const;

export class FirewallComponent implements EnforcementComponent {
  readonly name = COMPONENT;
  readonly #opts: FirewallComponentOptions;
  readonly #service: FirewallService;

  constructor(opts: FirewallComponentOptions) {
    this.#opts = opts;
    this.#service = createFirewallService({
      bridge: opts.bridge,
      db: opts.db,
      pinRoot: opts.pinRoot,
      author: { who: 'config', user: null },
    });
  }

  get service(): FirewallService {
    return this.#service;
  }

  apply(): void {
    const c = this.#opts.config;
    const log = this.#opts.log ?? (() => {});
    if (c) {
      const rules = c.rules.map((r, i) => requireRule(r, (f) => `enforcement.firewall.rules.${i}.${f}`));
      this.#service.replaceSourceRules(rules);
      if (c.rateLimit) {
        const change: Record<string, number> = {};
        for (const [k, v] of Object.entries(c.rateLimit))
          if (v !== undefined) change[RATE_KEYS[k as keyof typeof RATE_KEYS]] = v;
        const current = this.#service.rateLimit();
        const differs = Object.entries(change).some(([k, v]) => current[k as keyof typeof current] !== v);
        if (differs) this.#service.setRateLimit(change, (k) => `enforcement.firewall.rateLimit (${k})`);
      }
      this.#service.replaceSourceInterfaces(configInterfaces(c));
    }
    const r = this.#service.reconcile();
    if (!r.applied) {
      log('firewall: no interface to attach: not loaded (rules stay stored)');
      return;
    }
    log(
      `firewall: ${r.applied.rules} rules in set ${r.applied.set === 0 ? 'A' : 'B'} (${r.applied.ms.toFixed(0)} ms)` +
        (r.attached.length
          ? `; attached: ${r.attached.map((a) => `${a.iface}${a.mode ? ` (${a.mode})` : ''}`).join(', ')}`
          : ''),
    );
    for (const p of r.problems) log(`firewall: ${p}`);
  }

  close(opts: { readonly unload: boolean }): void {
    if (opts.unload) this.#service.unload();
  }
}
