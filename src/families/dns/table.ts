/** dns_events: DNS queries and answers seen on the host. */
import type { SQLOutputValue } from 'node:sqlite';
import {
  bool,
  commonColumnsSql,
  commonIndexesSql,
  type EventTable,
  mappingFor,
  num,
  numOrNull,
  str,
} from '../event-table.ts';
import type { DnsAnswer, DnsEvent } from './events.ts';
import { DNS_EVENT_TYPES } from './events.ts';

const mapping = mappingFor<DnsEvent>();

const NAME = 'dns_events';

function answersFrom(v: SQLOutputValue | undefined): DnsAnswer[] {
  if (typeof v !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(v);
    if (!Array.isArray(parsed)) return [];
    return parsed.map((a: { type?: unknown; ttl?: unknown; data?: unknown }) => ({
      type: String(a?.type ?? ''),
      ttl: typeof a?.ttl === 'number' ? a.ttl : 0,
      data: typeof a?.data === 'string' ? a.data : null,
    }));
  } catch {
    return [];
  }
}

const direction = (v: SQLOutputValue | undefined): 'egress' | 'ingress' =>
  v === 'ingress' ? 'ingress' : 'egress';

const COLUMNS = [
  'dns_id',
  'name',
  'qtype',
  'qtype_name',
  'server_addr',
  'server_port',
  'client_addr',
  'client_port',
  'ifindex',
  'direction',
  'truncated',
] as const;

export const DNS_TABLE: EventTable = {
  name: NAME,
  types: DNS_EVENT_TYPES,
  ddl: `
    CREATE TABLE ${NAME} (${commonColumnsSql(DNS_EVENT_TYPES)},
      dns_id INTEGER NOT NULL,
      name TEXT NOT NULL,
      qtype INTEGER NOT NULL,
      qtype_name TEXT NOT NULL,
      server_addr TEXT NOT NULL,
      server_port INTEGER NOT NULL,
      client_addr TEXT NOT NULL,
      client_port INTEGER NOT NULL,
      ifindex INTEGER NOT NULL,
      direction TEXT NOT NULL CHECK (direction IN ('egress', 'ingress')),
      truncated INTEGER NOT NULL,
      rcode INTEGER,
      rcode_name TEXT,
      answers TEXT,            -- JSON array of {type, ttl, data}
      query_pid INTEGER
    );
    ${commonIndexesSql(NAME)}
    -- Few rows per second, looked up by name: worth an index.
    CREATE INDEX ${NAME}_name_time ON ${NAME} (name, time_us);`,
  // The port 53 side is the remote one: the monitor sees this host's queries and their answers.
  view: { path: 'NULL', addr: 'server_addr', port: 'server_port', localPort: 'client_port' },
  selectColumns: `dns_id, name, qtype, qtype_name, server_addr, server_port, client_addr, client_port,
    ifindex, direction, truncated, rcode, rcode_name, answers, query_pid`,
  mappings: [
    mapping(
      'dns_query',
      COLUMNS,
      (e) => [
        e.dnsId,
        e.name,
        e.qtype,
        e.qtypeName,
        e.serverAddr,
        e.serverPort,
        e.clientAddr,
        e.clientPort,
        e.ifindex,
        e.direction,
        e.truncated ? 1 : 0,
      ],
      (r) => ({
        type: 'dns_query',
        dnsId: num(r.dns_id),
        name: str(r.name),
        qtype: num(r.qtype),
        qtypeName: str(r.qtype_name),
        serverAddr: str(r.server_addr),
        serverPort: num(r.server_port),
        clientAddr: str(r.client_addr),
        clientPort: num(r.client_port),
        ifindex: num(r.ifindex),
        direction: direction(r.direction),
        truncated: bool(r.truncated),
      }),
    ),
    mapping(
      'dns_answer',
      [...COLUMNS, 'rcode', 'rcode_name', 'answers', 'query_pid'],
      (e) => [
        e.dnsId,
        e.name,
        e.qtype,
        e.qtypeName,
        e.serverAddr,
        e.serverPort,
        e.clientAddr,
        e.clientPort,
        e.ifindex,
        e.direction,
        e.truncated ? 1 : 0,
        e.rcode,
        e.rcodeName,
        JSON.stringify(e.answers),
        e.queryPid,
      ],
      (r) => ({
        type: 'dns_answer',
        dnsId: num(r.dns_id),
        name: str(r.name),
        qtype: num(r.qtype),
        qtypeName: str(r.qtype_name),
        serverAddr: str(r.server_addr),
        serverPort: num(r.server_port),
        clientAddr: str(r.client_addr),
        clientPort: num(r.client_port),
        ifindex: num(r.ifindex),
        direction: direction(r.direction),
        truncated: bool(r.truncated),
        rcode: num(r.rcode),
        rcodeName: str(r.rcode_name),
        answers: answersFrom(r.answers),
        queryPid: numOrNull(r.query_pid),
      }),
    ),
  ],
};
