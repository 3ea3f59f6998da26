/** drop_events: packets the kernel dropped, with the reason. */

import {
  commonColumnsSql,
  commonIndexesSql,
  type EventTable,
  mappingFor,
  num,
  numOrNull,
  str,
  strOrNull,
} from '../event-table.ts';
import type { DropEvent } from './events.ts';
import { DROP_EVENT_TYPES } from './events.ts';

const mapping = mappingFor<DropEvent>();

const NAME = 'drop_events';

/** The kernel address as SQLite's signed 64-bit integer (exact; printf('0x%x') reads it back). */
function addressToInt(hex: string): bigint | null {
  if (!/^0x[0-9a-f]{1,16}$/i.test(hex)) return null;
  return BigInt.asIntN(64, BigInt(hex));
}

function ipVersion(v: number | null): 4 | 6 | null {
  return v === 4 || v === 6 ? v : null;
}

export const DROP_TABLE: EventTable = {
  name: NAME,
  types: DROP_EVENT_TYPES,
  ddl: `
    CREATE TABLE ${NAME} (${commonColumnsSql(DROP_EVENT_TYPES)},
      reason INTEGER NOT NULL,
      reason_name TEXT NOT NULL,
      location INTEGER,          -- kernel address, two's complement 64-bit
      len INTEGER NOT NULL,
      ifindex INTEGER NOT NULL,
      ifname TEXT,
      netns INTEGER NOT NULL,
      protocol INTEGER NOT NULL, -- ethertype
      ip_version INTEGER,
      l4_proto INTEGER,
      saddr TEXT,
      daddr TEXT,
      sport INTEGER,
      dport INTEGER,
      icmp_type INTEGER,
      icmp_code INTEGER
    );
    ${commonIndexesSql(NAME)}`,
  // No extra indexes: drops can arrive by the thousand per second, and only
  // time-ordered indexes append cheaply (reason and address filter within a window).
  // The destination: the remote end for packets this host sent (the usual
  // question: "what could I not reach?"), this host for packets it received.
  // local_port is the source, by the same reading.
  view: { path: 'NULL', addr: 'daddr', port: 'dport', localPort: 'sport' },
  selectColumns: `reason, reason_name, printf('0x%x', location) AS location, len, ifindex, ifname, netns,
    protocol, ip_version, l4_proto, saddr, daddr, sport, dport, icmp_type, icmp_code`,
  mappings: [
    mapping(
      'drop',
      [
        'reason',
        'reason_name',
        'location',
        'len',
        'ifindex',
        'ifname',
        'netns',
        'protocol',
        'ip_version',
        'l4_proto',
        'saddr',
        'daddr',
        'sport',
        'dport',
        'icmp_type',
        'icmp_code',
      ],
      (e) => [
        e.reason,
        e.reasonName,
        addressToInt(e.location),
        e.len,
        e.ifindex,
        e.ifname,
        e.netns,
        e.protocol,
        e.ipVersion,
        e.l4Proto,
        e.saddr,
        e.daddr,
        e.sport,
        e.dport,
        e.icmpType,
        e.icmpCode,
      ],
      (r) => ({
        type: 'drop',
        reason: num(r.reason),
        reasonName: str(r.reason_name),
        location: str(r.location),
        len: num(r.len),
        ifindex: num(r.ifindex),
        ifname: strOrNull(r.ifname),
        netns: num(r.netns),
        protocol: num(r.protocol),
        ipVersion: ipVersion(numOrNull(r.ip_version)),
        l4Proto: numOrNull(r.l4_proto),
        saddr: strOrNull(r.saddr),
        daddr: strOrNull(r.daddr),
        sport: numOrNull(r.sport),
        dport: numOrNull(r.dport),
        icmpType: numOrNull(r.icmp_type),
        icmpCode: numOrNull(r.icmp_code),
      }),
    ),
  ],
};
