/** The drop family: packets the kernel freed, with its drop reason (bpf/drop.bpf.c). */
import { defineFamily, siblingMonitor } from '../family.ts';
import { dropMonitorConfig } from './config.ts';
import { dropDecoder } from './decode.ts';
import { dropDetails } from './details.ts';
import { DROP_EVENT_TYPES } from './events.ts';
import { DROP_TABLE } from './table.ts';

export const dropFamily = defineFamily({
  name: 'drop',
  eventTypes: DROP_EVENT_TYPES,
  decoder: dropDecoder,
  table: DROP_TABLE,
  details: dropDetails,
  monitorConfig: dropMonitorConfig,
  monitor: siblingMonitor(import.meta.url),
});
