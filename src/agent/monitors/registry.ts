/** Every monitor the agent knows, one line per family. */

import { dnsDefinition } from '../../families/dns/monitor.ts';
import { dropDefinition } from '../../families/drop/monitor.ts';
import { fileDefinition } from '../../families/file/monitor.ts';
import { netDefinition } from '../../families/net/monitor.ts';
import { policyDefinition } from '../../families/policy/monitor.ts';
import { processDefinition } from '../../families/process/monitor.ts';
import type { MonitorDefinition } from './definition.ts';

export const MONITOR_DEFINITIONS: readonly MonitorDefinition[] = [
  processDefinition,
  dropDefinition,
  dnsDefinition,
  fileDefinition,
  netDefinition,
  policyDefinition,
] as MonitorDefinition[];
