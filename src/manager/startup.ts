/**
 * Reconcile at agent start: managed programs come back after a reboot and
 * drift is logged, before the monitors start. Never fatal: a failure is
 * logged and the agent starts anyway. Stray pins are reported, not removed.
 */
import type { NativeBridge } from '../ebpf/index.ts';
import { managerSettings } from './config.ts';
import { type ManagerSite, withProgramManager } from './factory.ts';
import { reconcile } from './reconcile.ts';

/** What start-up reconcile needs of the agent's configuration. */
export type StartupSettings = ManagerSite;

export function reconcileAtStart(
  bridge: NativeBridge,
  config: StartupSettings,
  log: (line: string) => void,
): void {
  if (!managerSettings(config.manager).reconcileAtStart) return;
  try {
    const r = withProgramManager(bridge, config, (m) => reconcile(m, { keepStrayPins: true }));
    for (const x of r.results) {
      log(`program manager: ${x.ok ? '' : 'FAILED: '}${x.description}${x.error ? `: ${x.error}` : ''}`);
    }
  } catch (err) {
    log(`program manager: reconcile failed: ${(err as Error).message}`);
  }
}
