/** The process family: exec, fork and exit (bpf/process.bpf.c). */
import { defineFamily, siblingMonitor } from '../family.ts';
import { processMonitorConfig } from './config.ts';
import { processDecoder } from './decode.ts';
import { processDetails } from './details.ts';
import { PROCESS_EVENT_TYPES } from './events.ts';
import { PROCESS_TABLE } from './table.ts';

export const processFamily = defineFamily({
  name: 'process',
  eventTypes: PROCESS_EVENT_TYPES,
  decoder: processDecoder,
  table: PROCESS_TABLE,
  details: processDetails,
  monitorConfig: processMonitorConfig,
  monitor: siblingMonitor(import.meta.url),
});
