/** Builds the enabled monitors from configuration; a failure is recorded, not thrown. */

import type { MonitorSnapshot } from '../domain/contracts/status.ts';
import type { Config } from './config.ts';
import type { MonitorContext } from './monitors/definition.ts';
import type { Monitor } from './monitors/monitor.ts';
import { MONITOR_DEFINITIONS } from './monitors/registry.ts';

export function failedSnapshot(name: string, error: string): MonitorSnapshot {
  return {
    name,
    state: 'failed',
    error,
    events: 0,
    kernelDrops: 0,
    decodeErrors: 0,
    attached: [],
    eventsPerSecond: 0,
  };
}

export function createMonitors(
  config: Config,
  ctx: MonitorContext,
  log: (line: string) => void,
): { monitors: Monitor[]; failed: MonitorSnapshot[] } {
  const monitors: Monitor[] = [];
  const failed: MonitorSnapshot[] = [];
  const monitorConfig = config.monitors as Record<string, { enabled: boolean } | undefined>;
  for (const def of MONITOR_DEFINITIONS) {
    const cfg = monitorConfig[def.name];
    if (!cfg?.enabled) continue;
    try {
      monitors.push(def.create(cfg, ctx));
    } catch (err) {
      const error = (err as Error).message;
      log(`monitor ${def.name} cannot be created: ${error}`);
      failed.push(failedSnapshot(def.name, error));
    }
  }
  return { monitors, failed };
}
