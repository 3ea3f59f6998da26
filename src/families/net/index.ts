/** The net family: TCP connections, connect() attempts and UDP sends (bpf/net.bpf.c). */
import { defineFamily, siblingMonitor } from '../family.ts';
import { netMonitorConfig } from './config.ts';
import { netDecoder } from './decode.ts';
import { netDetails } from './details.ts';
import { NET_EVENT_TYPES } from './events.ts';
import { NET_TABLE } from './table.ts';

export const netFamily = defineFamily({
  name: 'net',
  eventTypes: NET_EVENT_TYPES,
  decoder: netDecoder,
  table: NET_TABLE,
  details: netDetails,
  monitorConfig: netMonitorConfig,
  monitor: siblingMonitor(import.meta.url),
});
