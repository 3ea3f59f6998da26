/**
 * Reconcile at agent start: managed programs come back after a reboot and
 * drift is logged, before the monitors start. Never fatal: a failure is
 * logged and the agent starts anyway. Stray pins are reported, not removed.
 */
import type { NativeBridge } from '../ebpf/index.ts';
import { openDatabase } from '../store/database.ts';
import { type ManagerConfig, managerSettings } from './config.ts';
import { reconcile } from './reconcile.ts';
import { ProgramManager } from './service.ts';

/** What start-up reconcile needs of the agent's configuration. */
export interface StartupSettings {
  readonly database: string;
  readonly manager?: ManagerConfig;
}

export function reconcileAtStart(
  bridge: NativeBridge,
  config: StartupSettings,
  log: (line: string) => void,
): void {
  const settings = managerSettings(config.manager);
  if (!settings.reconcileAtStart) return;
  try {
    const db = openDatabase(config.database);
    try {
      const r = reconcile(new ProgramManager(bridge, db, settings), { keepStrayPins: true });
      for (const x of r.results) {
        log(`program manager: ${x.ok ? '' : 'FAILED: '}${x.description}${x.error ? `: ${x.error}` : ''}`);
      }
    } finally {
      db.close();
    }
  } catch (err) {
    log(`program manager: reconcile failed: ${(err as Error).message}`);
  }
}
