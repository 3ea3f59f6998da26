/**
 * Builds the enabled monitors from configuration; a failure is recorded, not
 * thrown. Only the enabled families' monitor code is loaded.
 */
import type { MonitorSnapshot } from '../domain/contracts/status.ts';
import { FAMILIES } from '../families/index.ts';
import type { Monitor, MonitorContext } from '../families/monitor.ts';
import type { Config } from './config.ts';

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

export async function createMonitors(
  config: Config,
  ctx: MonitorContext,
  log: (line: string) => void,
): Promise<{ monitors: Monitor[]; failed: MonitorSnapshot[] }> {
  const monitors: Monitor[] = [];
  const failed: MonitorSnapshot[] = [];
  const monitorConfig = config.monitors as Record<string, { enabled: boolean } | undefined>;
  for (const family of FAMILIES) {
    const cfg = monitorConfig[family.name];
    if (!cfg?.enabled) continue;
    try {
      const { createMonitor } = (await family.monitor()) as {
        createMonitor: (cfg: unknown, ctx: MonitorContext) => Monitor;
      };
      monitors.push(createMonitor(cfg, ctx));
    } catch (err) {
      const error = (err as Error).message;
      log(`monitor ${family.name} cannot be created: ${error}`);
      failed.push(failedSnapshot(family.name, error));
    }
  }
  return { monitors, failed };
}
