/** net_events: TCP connections established and closed, connect attempts, UDP sends. */

import {
  bool,
  commonColumnsSql,
  commonIndexesSql,
  type EventTable,
  mappingFor,
  num,
  numOrNull,
  type Row,
  str,
} from '../event-table.ts';
import type { NetDirection, NetEndpoints, NetEvent, NetProtocol } from './events.ts';
import { NET_EVENT_TYPES } from './events.ts';

const mapping = mappingFor<NetEvent>();

const NAME = 'net_events';

const ENDPOINT_COLUMNS = [
  'family',
  'protocol',
  'direction',
  'local_addr',
  'local_port',
  'remote_addr',
  'remote_port',
] as const;

function endpointValues(e: NetEndpoints): (string | number)[] {
  return [e.family, e.protocol, e.direction, e.localAddr, e.localPort, e.remoteAddr, e.remotePort];
}

function oneOf<T extends string>(v: string, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

function endpointsFromRow(r: Row): NetEndpoints {
  return {
    family: num(r.family) === 6 ? 6 : 4,
    protocol: oneOf<NetProtocol>(str(r.protocol), ['tcp', 'udp', 'unknown'], 'unknown'),
    direction: oneOf<NetDirection>(str(r.direction), ['outbound', 'inbound', 'unknown'], 'unknown'),
    localAddr: str(r.local_addr),
    localPort: num(r.local_port),
    remoteAddr: str(r.remote_addr),
    remotePort: num(r.remote_port),
  };
}

export const NET_TABLE: EventTable = {
  name: NAME,
  types: NET_EVENT_TYPES,
  ddl: `
    CREATE TABLE ${NAME} (${commonColumnsSql(NET_EVENT_TYPES)},
      family INTEGER NOT NULL,      -- 4 or 6 (IPv4-mapped IPv6 is 4)
      protocol TEXT NOT NULL,       -- tcp, udp, unknown
      direction TEXT NOT NULL,      -- outbound, inbound, unknown
      local_addr TEXT NOT NULL,
      local_port INTEGER NOT NULL,
      remote_addr TEXT NOT NULL,
      remote_port INTEGER NOT NULL,
      owner_known INTEGER,          -- tcp_*: pid..comm name the socket's process
      closed_from TEXT,             -- tcp_close: TCP state left
      bytes_sent INTEGER,           -- tcp_close
      bytes_received INTEGER,       -- tcp_close
      duration_ns INTEGER,          -- tcp_close
      bytes INTEGER,                -- udp_send
      bytes_partial INTEGER,        -- udp_send
      result INTEGER                -- connect, udp_send: 0/bytes or -errno
    );
    ${commonIndexesSql(NAME)}
    CREATE INDEX ${NAME}_remote ON ${NAME} (remote_addr, remote_port);`,
  view: { path: 'NULL', addr: 'remote_addr', port: 'remote_port', localPort: 'local_port' },
  selectColumns: `family, protocol, direction, local_addr, local_port, remote_addr, remote_port,
    owner_known, closed_from, CAST(bytes_sent AS REAL) AS bytes_sent,
    CAST(bytes_received AS REAL) AS bytes_received, CAST(duration_ns AS REAL) AS duration_ns,
    CAST(bytes AS REAL) AS bytes, bytes_partial, result`,
  mappings: [
    mapping(
      'tcp_connect',
      [...ENDPOINT_COLUMNS, 'owner_known'],
      (e) => [...endpointValues(e), e.ownerKnown ? 1 : 0],
      (r) => ({ type: 'tcp_connect', ...endpointsFromRow(r), ownerKnown: bool(r.owner_known) }),
    ),
    mapping(
      'tcp_accept',
      [...ENDPOINT_COLUMNS, 'owner_known'],
      (e) => [...endpointValues(e), e.ownerKnown ? 1 : 0],
      (r) => ({ type: 'tcp_accept', ...endpointsFromRow(r), ownerKnown: bool(r.owner_known) }),
    ),
    mapping(
      'tcp_close',
      [...ENDPOINT_COLUMNS, 'owner_known', 'closed_from', 'bytes_sent', 'bytes_received', 'duration_ns'],
      (e) => [
        ...endpointValues(e),
        e.ownerKnown ? 1 : 0,
        e.closedFrom,
        e.bytesSent,
        e.bytesReceived,
        e.durationNs,
      ],
      (r) => ({
        type: 'tcp_close',
        ...endpointsFromRow(r),
        ownerKnown: bool(r.owner_known),
        closedFrom: str(r.closed_from),
        bytesSent: numOrNull(r.bytes_sent),
        bytesReceived: numOrNull(r.bytes_received),
        durationNs: numOrNull(r.duration_ns),
      }),
    ),
    mapping(
      'connect',
      [...ENDPOINT_COLUMNS, 'result'],
      (e) => [...endpointValues(e), e.result],
      (r) => ({ type: 'connect', ...endpointsFromRow(r), result: num(r.result) }),
    ),
    mapping(
      'udp_send',
      [...ENDPOINT_COLUMNS, 'bytes', 'bytes_partial', 'result'],
      (e) => [...endpointValues(e), e.bytes, e.bytesPartial ? 1 : 0, e.result],
      (r) => ({
        type: 'udp_send',
        ...endpointsFromRow(r),
        bytes: num(r.bytes),
        bytesPartial: bool(r.bytes_partial),
        result: num(r.result),
      }),
    ),
  ],
};
