/**
 * The firewall's operations, for the CLI, the agent's component and the API:
 * every change is validated, compiled (so the store never holds a rule set
 * the kernel cannot take), recorded with its change-log row and, when the
 * firewall is loaded, written to the kernel — all inside one store write
 * transaction, which serializes concurrent writers (CLI and agent).
 */
import { rmdirSync, rmSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { type CompiledRuleSet, compileRules } from '../../domain/enforce/firewall/compile.ts';
import { FirewallError } from '../../domain/enforce/firewall/errors.ts';
import {
  type RateLimitInput,
  type RateLimitSettings,
  updateRateLimit,
} from '../../domain/enforce/firewall/ratelimit.ts';
import { type FirewallRule, ruleToJson } from '../../domain/enforce/firewall/rule.ts';
import { type RuleField, type RuleInput, requireRule } from '../../domain/enforce/firewall/validate.ts';
import type { NativeBridge } from '../../ebpf/index.ts';
import {
  type ChangeAuthor,
  FirewallStore,
  type StoredFirewallRule,
  type StoredInterface,
  type XdpModeWanted,
} from '../../store/firewall-store.ts';
import { type FirewallCounters, readCounters, readSources, type SourceCounters } from './counters.ts';
import { netnsLabel, parseIface, refOfKey } from './iface-ref.ts';
import { applyIfLoaded, syncKernel, withMaps } from './kernel-sync.ts';
import { ensureLoaded, type FirewallMaps, isLoaded } from './loader.ts';
import { type WriteReport, writeSettings } from './map-writer.ts';
import { foreignNetns } from './namespaces.ts';
import { firewallDir } from './pins.ts';
import { type FirewallStatus, firewallStatus } from './status.ts';
import { type Attached, attachInterface, detachInterface, linkState, pinnedInterfaces } from './xdp.ts';

export type { FirewallStatus, InterfaceStatus, RuleStatus } from './status.ts';

export interface FirewallServiceDeps {
  readonly bridge: NativeBridge;
  readonly db: DatabaseSync;
  readonly pinRoot: string;
  readonly author: ChangeAuthor;
  /** Microseconds since the epoch. */
  readonly nowUs?: () => number;
  /**
   * The label of this process's network namespace when it is not the host's
   * (iface-ref.ts); default: found from /proc. Interfaces named without one
   * are this namespace's.
   */
  readonly netns?: string | undefined;
}

/** SUDO_USER when run through sudo, else the uid: who ran the command. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.SUDO_USER ?? (process.getuid ? `uid ${process.getuid()}` : null);
}

const sameRule = (a: FirewallRule, b: FirewallRule): boolean =>
  JSON.stringify(ruleToJson(a)) === JSON.stringify(ruleToJson(b));

export class FirewallService {
  readonly store: FirewallStore;
  readonly pinRoot: string;
  readonly #bridge: NativeBridge;
  readonly #author: ChangeAuthor;
  readonly #now: () => number;
  readonly #here: string | undefined;

  constructor(deps: FirewallServiceDeps) {
    this.#here = 'netns' in deps ? deps.netns : netnsLabel(foreignNetns());
    this.store = new FirewallStore(deps.db);
    this.pinRoot = deps.pinRoot;
    this.#bridge = deps.bridge;
    this.#author = deps.author;
    this.#now = deps.nowUs ?? (() => Date.now() * 1000);
  }

  get loaded(): boolean {
    return isLoaded(this.pinRoot);
  }

  rules(): StoredFirewallRule[] {
    return this.store.rules();
  }

  /** The next free id: one more than the largest. */
  nextId(): number {
    return this.store.rules().reduce((m, r) => Math.max(m, r.rule.id), 0) + 1;
  }

  addRule(
    input: RuleInput,
    fieldName?: (f: RuleField) => string,
  ): { rule: FirewallRule; applied?: WriteReport } {
    return this.store.transaction('add firewall rule', () => {
      const rule = requireRule(input, fieldName);
      const existing = this.store.rule(rule.id);
      if (existing) {
        throw new FirewallError(
          'FIREWALL_DUPLICATE_ID',
          `rule id ${rule.id} exists already (added by ${existing.source}); remove it first or choose another id`,
        );
      }
      const compiled = compileRules([...this.store.rules().map((r) => r.rule), rule]);
      this.store.putRule(rule, this.#author, this.#now());
      return { rule, ...this.#applyIfLoaded(compiled) };
    });
  }

  removeRule(id: number): { rule: StoredFirewallRule; applied?: WriteReport } {
    return this.store.transaction('remove firewall rule', () => {
      const old = this.store.rule(id);
      if (!old)
        throw new FirewallError(
          'FIREWALL_RULE_NOT_FOUND',
          `no firewall rule with id ${id} (see: bpfwarden firewall list)`,
        );
      if (old.source === 'config' && this.#author.who !== 'config')
        throw new FirewallError(
          'FIREWALL_FROM_CONFIG',
          `rule ${id} comes from the configuration file (enforcement.firewall.rules): remove it there; the agent drops it at its next start`,
        );
      this.store.deleteRule(id, this.#author, this.#now());
      const compiled = compileRules(this.store.rules().map((r) => r.rule));
      return { rule: old, ...this.#applyIfLoaded(compiled) };
    });
  }

  /**
   * Makes the stored rules of one source exactly `rules` (the config's, at
   * agent start): adds and replaces them — a config rule wins over a CLI
   * rule with the same id — and removes that source's rules not listed.
   */
  replaceSourceRules(rules: readonly FirewallRule[]): { changed: number; applied?: WriteReport } {
    return this.store.transaction('apply configured firewall rules', () => {
      const now = this.#now();
      const wanted = new Map(rules.map((r) => [r.id, r]));
      let changed = 0;
      for (const s of this.store.rules()) {
        if (s.source === this.#author.who && !wanted.has(s.rule.id)) {
          this.store.deleteRule(s.rule.id, this.#author, now);
          changed++;
        }
      }
      for (const r of rules) {
        const s = this.store.rule(r.id);
        if (s && s.source === this.#author.who && sameRule(s.rule, r)) continue;
        this.store.putRule(r, this.#author, now);
        changed++;
      }
      const compiled = compileRules(this.store.rules().map((r) => r.rule));
      return { changed, ...(changed > 0 ? this.#applyIfLoaded(compiled) : {}) };
    });
  }

  rateLimit(): RateLimitSettings {
    return this.store.rateLimit().settings;
  }

  setRateLimit(
    change: RateLimitInput,
    name?: (k: keyof RateLimitSettings) => string,
    op: 'set' | 'clear' = 'set',
  ): RateLimitSettings {
    return this.store.transaction('set rate limit', () => {
      const next = updateRateLimit(this.store.rateLimit().settings, change, name);
      this.store.setRateLimit(next, this.#author, this.#now(), op);
      if (this.loaded) this.#withMaps((m) => writeSettings(m, next));
      return next;
    });
  }

  /** Turns the rate limit and SYN guard off (log settings stay). */
  clearRateLimit(): RateLimitSettings {
    return this.setRateLimit({ rate: 0, synRate: 0 }, undefined, 'clear');
  }

  interfaces(): StoredInterface[] {
    return this.store.interfaces();
  }

  /** The network namespace interfaces are resolved in: its label, undefined for the host's. */
  get netns(): string | undefined {
    return this.#here;
  }

  /**
   * Loads the firewall if needed (writing the stored rules and settings),
   * then attaches it to iface: the interface of that name in this process's
   * network namespace, recorded under a key naming the namespace when it is
   * not the host's (iface-ref.ts).
   */
  attach(input: string, mode: XdpModeWanted): Attached {
    const ref = parseIface(input, this.#here);
    return this.store.transaction('attach firewall', () => {
      this.#ensureLoadedAndSynced();
      const a = attachInterface(this.#bridge, this.pinRoot, ref, this.#here, mode);
      const iface = ref.key;
      const stored = this.store.interfaces().find((i) => i.name === iface);
      const used = a.mode ?? stored?.attachedMode ?? null;
      if (
        !stored ||
        stored.mode !== mode ||
        stored.attachedMode !== used ||
        stored.source !== this.#author.who
      )
        this.store.putInterface(iface, mode, used, this.#author, this.#now());
      return a;
    });
  }

  /** Detaches from iface (a plain name: this namespace's; or a key from status). Returns the key. */
  detach(input: string): string {
    const ref = parseIface(input, this.#here);
    return this.store.transaction('detach firewall', () => {
      const had = detachInterface(this.#bridge, this.pinRoot, ref);
      const recorded = this.store.deleteInterface(ref.key, this.#author, this.#now());
      if (!had && !recorded)
        throw new FirewallError('FIREWALL_NO_INTERFACE', `the firewall is not attached to ${ref.key}`);
      return ref.key;
    });
  }

  /**
   * Makes the stored interfaces of one source exactly `wanted` (the
   * config's): records the listed ones (attached by reconcile) and detaches
   * and forgets that source's interfaces no longer listed.
   */
  replaceSourceInterfaces(wanted: readonly { name: string; mode: XdpModeWanted }[]): void {
    this.store.transaction('apply configured firewall interfaces', () => {
      const now = this.#now();
      const names = new Set(wanted.map((w) => w.name));
      for (const i of this.store.interfaces()) {
        if (i.source !== this.#author.who || names.has(i.name)) continue;
        detachInterface(this.#bridge, this.pinRoot, refOfKey(i.name));
        this.store.deleteInterface(i.name, this.#author, now);
      }
      for (const w of wanted) {
        const s = this.store.interfaces().find((i) => i.name === w.name);
        if (s && s.mode === w.mode && s.source === this.#author.who) continue;
        this.store.putInterface(w.name, w.mode, s?.attachedMode ?? null, this.#author, now);
      }
    });
  }

  /** Detaches every interface, forgets them, and removes every pin: enforcement stops. Rules stay stored. */
  detachAll(): string[] {
    return this.store.transaction('detach firewall', () => {
      const names = new Set([
        ...pinnedInterfaces(this.pinRoot),
        ...this.store.interfaces().map((i) => i.name),
      ]);
      for (const n of names) this.store.deleteInterface(n, this.#author, this.#now());
      this.unload();
      return [...names].sort();
    });
  }

  /** Detaches and unpins everything in the kernel; the stored state stays (the agent's --unload-on-exit). */
  unload(): void {
    for (const n of pinnedInterfaces(this.pinRoot)) detachInterface(this.#bridge, this.pinRoot, refOfKey(n));
    rmSync(firewallDir(this.pinRoot), { recursive: true, force: true });
    // The root is shared with the other enforcement components: removed only when empty.
    try {
      rmdirSync(this.pinRoot);
    } catch {
      // not empty, or already gone
    }
  }

  /**
   * Loads if needed, writes the stored rules and settings, and attaches
   * every stored interface that is not attached. Returns the problems
   * (e.g. a missing interface) instead of stopping at the first. With no
   * interface recorded and nothing loaded it does nothing: rules stay
   * stored until an interface is attached.
   */
  reconcile(): { attached: Attached[]; problems: string[]; applied?: WriteReport } {
    return this.store.transaction('apply firewall', () => {
      // Nothing to attach and nothing loaded: loading would only leave an idle program pinned.
      if (!this.loaded && this.store.interfaces().length === 0) return { attached: [], problems: [] };
      ensureLoaded(this.#bridge, this.pinRoot);
      const applied = this.#syncKernel();
      const attached: Attached[] = [];
      const problems: string[] = [];
      for (const i of this.store.interfaces()) {
        const ref = refOfKey(i.name);
        try {
          // An interface of another namespace can only be attached from inside it: one still attached is left as it is.
          if (ref.netns !== this.#here && linkState(this.#bridge, this.pinRoot, ref, this.#here).attached)
            continue;
          const a = attachInterface(this.#bridge, this.pinRoot, ref, this.#here, i.mode);
          attached.push(a);
          if (a.mode && a.mode !== i.attachedMode) this.store.setAttachedMode(i.name, a.mode);
        } catch (err) {
          problems.push((err as Error).message);
        }
      }
      return { attached, problems, applied };
    });
  }

  status(): FirewallStatus {
    return firewallStatus(this.#bridge, this.pinRoot, this.store, this.#here);
  }

  sources(limit: number): SourceCounters[] {
    return this.loaded ? this.#withMaps((m) => readSources(m, limit)) : [];
  }

  counters(): FirewallCounters | null {
    return this.loaded ? this.#withMaps((m) => readCounters(m)) : null;
  }

  #ensureLoadedAndSynced(): void {
    if (ensureLoaded(this.#bridge, this.pinRoot)) this.#syncKernel();
  }

  #syncKernel(): WriteReport {
    return syncKernel(this.#bridge, this.pinRoot, this.store);
  }

  #applyIfLoaded(compiled: CompiledRuleSet): { applied?: WriteReport } {
    return applyIfLoaded(this.#bridge, this.pinRoot, compiled);
  }

  #withMaps<T>(f: (m: FirewallMaps) => T): T {
    return withMaps(this.#bridge, this.pinRoot, f);
  }
}
