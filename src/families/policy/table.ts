/** policy_events: enforcement decisions (egress, exec, firewall). */
import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';
import {
  commonColumnsSql,
  commonIndexesSql,
  type EventTable,
  mappingFor,
  num,
  numOrNull,
  type Row,
  strOrNull,
} from '../event-table.ts';
import type { PolicyAction, PolicyEvent, PolicyReason } from './events.ts';
import { POLICY_EVENT_TYPES } from './events.ts';

const mapping = mappingFor<PolicyEvent>();

const NAME = 'policy_events';

const COLUMNS = [
  'action',
  'reason',
  'rule_id',
  'suppressed',
  'ifindex',
  'family',
  'protocol',
  'src_addr',
  'src_port',
  'dst_addr',
  'dst_port',
  'path',
  'inode',
  'dev',
] as const;

const action = (v: SQLOutputValue | undefined): PolicyAction =>
  v === 'audited' ? 'audited' : v === 'logged' ? 'logged' : 'denied';
const reason = (v: SQLOutputValue | undefined): PolicyReason | null =>
  v === 'rule' || v === 'rate_limit' || v === 'syn_guard' ? v : null;
const family = (v: SQLOutputValue | undefined): 4 | 6 | null => {
  const n = numOrNull(v);
  return n === 4 || n === 6 ? n : null;
};

function fields(r: Row) {
  return {
    action: action(r.action),
    reason: reason(r.reason),
    ruleId: num(r.rule_id),
    suppressed: num(r.suppressed),
    ifindex: num(r.ifindex),
    family: family(r.family),
    protocol: numOrNull(r.protocol),
    srcAddr: strOrNull(r.src_addr),
    srcPort: numOrNull(r.src_port),
    dstAddr: strOrNull(r.dst_addr),
    dstPort: numOrNull(r.dst_port),
    path: strOrNull(r.path),
    inode: numOrNull(r.inode),
    dev: numOrNull(r.dev),
  };
}

function values(e: PolicyEvent): SQLInputValue[] {
  return [
    e.action,
    e.reason,
    e.ruleId,
    e.suppressed,
    e.ifindex,
    e.family,
    e.protocol,
    e.srcAddr,
    e.srcPort,
    e.dstAddr,
    e.dstPort,
    e.path,
    e.inode,
    e.dev,
  ];
}

export const POLICY_TABLE: EventTable = {
  name: NAME,
  types: POLICY_EVENT_TYPES,
  ddl: `
    CREATE TABLE ${NAME} (${commonColumnsSql(POLICY_EVENT_TYPES)},
      action TEXT NOT NULL CHECK (action IN ('denied', 'audited', 'logged')),
      reason TEXT,
      rule_id INTEGER NOT NULL,
      suppressed INTEGER NOT NULL,
      ifindex INTEGER NOT NULL,
      family INTEGER,
      protocol INTEGER,
      src_addr TEXT,
      src_port INTEGER,
      dst_addr TEXT,
      dst_port INTEGER,
      path TEXT,
      inode INTEGER,
      dev INTEGER
    );
    ${commonIndexesSql(NAME)}
    -- "What did rule 7 do?": decisions are rate-limited per rule in the kernel, so this index stays cheap.
    CREATE INDEX ${NAME}_rule_time ON ${NAME} (rule_id, time_us);`,
  // The remote end: where a process tried to go (egress), where a packet came from (firewall).
  view: {
    path: 'path',
    addr: `CASE WHEN type = 'policy_firewall' THEN src_addr ELSE dst_addr END`,
    port: `CASE WHEN type = 'policy_firewall' THEN src_port ELSE dst_port END`,
    localPort: `CASE WHEN type = 'policy_firewall' THEN dst_port ELSE src_port END`,
  },
  selectColumns: `action, reason, rule_id, suppressed, ifindex, family, protocol, src_addr, src_port,
    dst_addr, dst_port, path, CAST(inode AS REAL) AS inode, dev`,
  // The same columns for all three types.
  mappings: [
    mapping('policy_egress', COLUMNS, values, (r) => ({ type: 'policy_egress', ...fields(r) })),
    mapping('policy_exec', COLUMNS, values, (r) => ({ type: 'policy_exec', ...fields(r) })),
    mapping('policy_firewall', COLUMNS, values, (r) => ({ type: 'policy_firewall', ...fields(r) })),
  ],
};
