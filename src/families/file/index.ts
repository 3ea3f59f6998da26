/** The file family: open, unlink, rename and chmod (bpf/file.bpf.c). */
import { defineFamily, siblingMonitor } from '../family.ts';
import { fileMonitorConfig } from './config.ts';
import { fileDecoder } from './decode.ts';
import { fileDetails } from './details.ts';
import { FILE_EVENT_TYPES } from './events.ts';
import { FILE_TABLE } from './table.ts';

export const fileFamily = defineFamily({
  name: 'file',
  eventTypes: FILE_EVENT_TYPES,
  decoder: fileDecoder,
  table: FILE_TABLE,
  details: fileDetails,
  monitorConfig: fileMonitorConfig,
  monitor: siblingMonitor(import.meta.url),
});
