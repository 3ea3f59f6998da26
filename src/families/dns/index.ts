/** The dns family: queries and answers on UDP port 53, answers linked to their query's pid (bpf/dns.bpf.c). */
import { defineFamily, siblingMonitor } from '../family.ts';
import { dnsMonitorConfig } from './config.ts';
import { dnsDecoder } from './decode.ts';
import { dnsDetails } from './details.ts';
import { DNS_EVENT_TYPES } from './events.ts';
import { DNS_TABLE } from './table.ts';

export const dnsFamily = defineFamily({
  name: 'dns',
  eventTypes: DNS_EVENT_TYPES,
  decoder: dnsDecoder,
  table: DNS_TABLE,
  details: dnsDetails,
  monitorConfig: dnsMonitorConfig,
  monitor: siblingMonitor(import.meta.url),
});
