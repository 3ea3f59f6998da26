/** Every monitor the agent knows, one line per family. */
import type { MonitorDefinition } from './definition.ts';
import { processDefinition } from './process-monitor.ts';

export const MONITOR_DEFINITIONS: readonly MonitorDefinition[] = [processDefinition] as MonitorDefinition[];
