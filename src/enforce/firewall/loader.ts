/**
 * Loads the firewall object once and pins its program and maps, so the
 * rules keep being enforced when the agent stops and the CLI can change
 * them with or without an agent; afterwards everything is opened from the
 * pins. A pinned map whose shape differs from this build's is refused
 * (detach the firewall to reload it) rather than written with the wrong layout.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { FirewallError } from '../../domain/enforce/firewall/errors.ts';
import {
  CONFIG,
  LIST,
  LPM4_KEY,
  LPM6_KEY,
  RL_KEY,
  RL_STATE,
  RULE,
  RULE_STATS,
} from '../../domain/enforce/firewall/layout.ts';
import { checkZero } from '../../ebpf/check.ts';
import { BpfError, BpfObjectSpec, type NativeBridge, OwnedFd, RawMap } from '../../ebpf/index.ts';
import { bpfObjectPath } from '../../host/paths.ts';
import { eventsPin, firewallDir, mapPin, progPin } from './pins.ts';

/** Maps the firewall pins, with the key and value sizes this build writes. */
export const FIREWALL_MAPS = {
  fw_rules: [4, RULE.size],
  fw_lists: [4, LIST.size],
  fw_lpm4: [LPM4_KEY.size, 4],
  fw_lpm6: [LPM6_KEY.size, 4],
  fw_active: [4, 4],
  fw_config: [4, CONFIG.size],
  fw_rule_stats: [4, RULE_STATS.size],
  fw_rl_log: [4, RULE_STATS.size],
  fw_rl_state: [RL_KEY.size, RL_STATE.size],
  fw_counters: [4, 8],
  fw_events: [0, 0],
  fw_barrier: [4, 4],
  fw_barrier_in: [4, 4],
} as const;
export type FirewallMapName = keyof typeof FIREWALL_MAPS;
const NAMES = Object.keys(FIREWALL_MAPS) as FirewallMapName[];

const pinOf = (root: string, name: FirewallMapName): string =>
  name === 'fw_events' ? eventsPin(root) : mapPin(root, name);

export const isLoaded = (root: string): boolean => existsSync(progPin(root));

/** Loads and pins the object unless its program is pinned already. Returns whether it loaded now. */
export function ensureLoaded(bridge: NativeBridge, root: string): boolean {
  if (isLoaded(root)) return false;
  let spec: BpfObjectSpec;
  try {
    spec = BpfObjectSpec.open(bpfObjectPath('firewall'), { bridge });
  } catch (err) {
    throw new FirewallError(
      'FIREWALL_LOAD_FAILED',
      `cannot open the firewall object: ${(err as Error).message} (npm run build:bpf)`,
      {
        cause: err,
      },
    );
  }
  try {
    const obj = spec.load();
    try {
      // Maps first: the program pin is what "loaded" means, so it comes last.
      for (const name of NAMES) {
        const path = pinOf(root, name);
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        checkZero(bridge, bridge.objPin(obj.map(name).fd, path), `pin map ${name} at ${path}`);
      }
      obj.program('fw_xdp').pin(progPin(root));
    } finally {
      obj.close();
    }
  } catch (err) {
    rmSync(firewallDir(root), { recursive: true, force: true });
    if (err instanceof FirewallError) throw err;
    throw new FirewallError('FIREWALL_LOAD_FAILED', `cannot load the firewall: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    spec.close();
  }
  return true;
}

/** The firewall's pinned maps, opened for reading and writing; close() releases them. */
export class FirewallMaps {
  readonly #fds: OwnedFd[] = [];
  readonly #maps = new Map<FirewallMapName, RawMap>();
  #open = true;

  private constructor() {}

  static open(bridge: NativeBridge, root: string): FirewallMaps {
    if (!isLoaded(root))
      throw new FirewallError(
        'FIREWALL_NOT_LOADED',
        `the firewall is not loaded under ${root} (attach an interface first)`,
      );
    const m = new FirewallMaps();
    try {
      for (const name of NAMES) m.#add(bridge, root, name);
    } catch (err) {
      m.close();
      throw err;
    }
    return m;
  }

  #add(bridge: NativeBridge, root: string, name: FirewallMapName): void {
    const path = pinOf(root, name);
    let fd: OwnedFd;
    try {
      fd = OwnedFd.fromPin(bridge, path);
    } catch (err) {
      const missing = err instanceof BpfError && err.code === 'ENOENT';
      throw new FirewallError(
        missing ? 'FIREWALL_PIN_MISMATCH' : 'FIREWALL_LOAD_FAILED',
        `cannot open the firewall map pinned at ${path}: ${(err as Error).message}` +
          (missing ? ' (the pins are incomplete: run bpfwarden firewall detach, then attach again)' : ''),
        { cause: err },
      );
    }
    this.#fds.push(fd);
    const info = fd.info('map');
    const [keySize, valueSize] = FIREWALL_MAPS[name];
    if (keySize && (info.keySize !== keySize || info.valueSize !== valueSize)) {
      throw new FirewallError(
        'FIREWALL_PIN_MISMATCH',
        `the firewall map pinned at ${path} has ${info.keySize}-byte keys and ${info.valueSize}-byte values; this bpfwarden ` +
          `writes ${keySize} and ${valueSize} (pinned by another version: run bpfwarden firewall detach, then attach again)`,
      );
    }
    const raw = new RawMap(bridge, { ...info, fd: fd.fd, internal: false }, () => this.#open);
    this.#maps.set(name, raw);
  }

  get(name: FirewallMapName): RawMap {
    const m = this.#maps.get(name);
    if (!m || !this.#open) throw new FirewallError('FIREWALL_NOT_LOADED', `firewall map ${name} is not open`);
    return m;
  }

  close(): void {
    this.#open = false;
    for (const fd of this.#fds) fd.close();
    this.#fds.length = 0;
  }
}
