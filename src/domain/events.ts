/**
 * The event model: what the kernel programs report, decoded and with wall
 * clock time. Pure data. One file per monitor family under ./events/; this
 * file unites them (one line per family in each list below).
 */

import {
  DNS_EVENT_TYPES,
  type DnsAnswerEvent,
  type DnsEvent,
  type DnsQueryEvent,
} from '../families/dns/events.ts';
import { DROP_EVENT_TYPES, type DropEvent } from '../families/drop/events.ts';
import {
  type ChmodEvent,
  FILE_EVENT_TYPES,
  type FileEvent,
  type OpenEvent,
  type RenameEvent,
  type UnlinkEvent,
} from '../families/file/events.ts';
import {
  type ConnectEvent,
  NET_EVENT_TYPES,
  type NetEvent,
  type TcpAcceptEvent,
  type TcpCloseEvent,
  type TcpConnectEvent,
  type UdpSendEvent,
} from '../families/net/events.ts';
import {
  POLICY_EVENT_TYPES,
  type PolicyEgressEvent,
  type PolicyEvent,
  type PolicyExecEvent,
  type PolicyFirewallEvent,
} from '../families/policy/events.ts';
import {
  type ExecEvent,
  type ExitEvent,
  type ForkEvent,
  PROCESS_EVENT_TYPES,
  type ProcessEvent,
} from '../families/process/events.ts';

export type { EventBase } from './event-base.ts';
export type {
  ChmodEvent,
  ConnectEvent,
  DnsAnswerEvent,
  DnsEvent,
  DnsQueryEvent,
  DropEvent,
  ExecEvent,
  ExitEvent,
  FileEvent,
  ForkEvent,
  NetEvent,
  OpenEvent,
  PolicyEgressEvent,
  PolicyEvent,
  PolicyExecEvent,
  PolicyFirewallEvent,
  ProcessEvent,
  RenameEvent,
  TcpAcceptEvent,
  TcpCloseEvent,
  TcpConnectEvent,
  UdpSendEvent,
  UnlinkEvent,
};
export {
  DNS_EVENT_TYPES,
  DROP_EVENT_TYPES,
  FILE_EVENT_TYPES,
  NET_EVENT_TYPES,
  POLICY_EVENT_TYPES,
  PROCESS_EVENT_TYPES,
};

export const EVENT_TYPES = [
  ...PROCESS_EVENT_TYPES,
  ...DROP_EVENT_TYPES,
  ...DNS_EVENT_TYPES,
  ...FILE_EVENT_TYPES,
  ...NET_EVENT_TYPES,
  ...POLICY_EVENT_TYPES,
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type BpfEvent = ProcessEvent | DropEvent | DnsEvent | FileEvent | NetEvent | PolicyEvent;

export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}
