/**
 * Reconcile at agent start: managed programs come back after a reboot and
 * drift is logged, before the monitors start. Never fatal: a failure is
 * logged and the agent starts anyway. Stray pins are reported, not removed.
 */
import type { Config } from '../agent/config.ts';
import type { NativeBridge } from '../ebpf/index.ts';
import { openDatabase } from '../store/database.ts';
import { managerSettings } from './config.ts';
import { reconcile } from './reconcile.ts';
import { ProgramManager } from './service.ts';

export function reconcileAtStart(bridge: NativeBridge, config: Config, log: (line: string) => void): void {
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
