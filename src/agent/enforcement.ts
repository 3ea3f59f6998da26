/**
 * Enforcement at agent start: the egress and exec policy and the XDP
 * firewall, each applied from the configuration and the store. A component
 * that fails is logged and skipped; capture goes on. At stop the pins stay
 * (enforcement continues) unless enforcement.unloadOnExit.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { NativeBridge } from '../ebpf/index.ts';
import type { EnforcementComponent } from '../enforce/component.ts';
import { FirewallComponent } from '../enforce/firewall/component.ts';
import { startPolicy } from '../enforce/policy/policy-service.ts';
import { enforcePinRoot } from '../host/enforce-pins.ts';
import { openDatabase } from '../store/database.ts';
import type { Config } from './config.ts';

export interface Enforcement {
  readonly components: readonly EnforcementComponent[];
  close(): void;
}

export function startEnforcement(
  bridge: NativeBridge,
  config: Config,
  log: (line: string) => void,
): Enforcement {
  const e = config.enforcement;
  const pinRoot = enforcePinRoot(e.pinRoot);
  const components: EnforcementComponent[] = [];
  let db: DatabaseSync | undefined;
  try {
    const p = startPolicy({ bridge, pinRoot, dbPath: config.database, config: e.policy, log });
    components.push(p.egress, p.exec);
  } catch (err) {
    log(`policy: not started: ${(err as Error).message}`);
  }
  try {
    db = openDatabase(config.database);
    components.push(new FirewallComponent({ bridge, db, pinRoot, config: e.firewall, log }));
  } catch (err) {
    log(`firewall: not started: ${(err as Error).message}`);
  }
  const applied: EnforcementComponent[] = [];
  for (const c of components) {
    try {
      c.apply();
      applied.push(c);
    } catch (err) {
      log(`${c.name}: not applied: ${(err as Error).message}`);
    }
  }
  return {
    components: applied,
    close: () => {
      for (const c of components) {
        try {
          c.close({ unload: e.unloadOnExit });
        } catch (err) {
          log(`${c.name}: did not close cleanly: ${(err as Error).message}`);
        }
      }
      db?.close();
    },
  };
}
