/**
 * How one stored event reads in a human table: local time, and a DETAILS
 * column that says what happened (the command line, the child, the exit
 * status). Pure: no I/O, same input, same text (given the time zone).
 */

import { constants } from 'node:os';
import { dnsDetails } from '../../families/dns/details.ts';
import { dropDetails } from '../../families/drop/details.ts';
import { fileDetails } from '../../families/file/details.ts';
import { netDetails } from '../../families/net/details.ts';
import { policyDetails } from '../../families/policy/details.ts';
import type { StoredEvent } from '../../store/event-query.ts';
import { formatDuration } from './duration.ts';

export { formatDuration } from './duration.ts';

import type { Column } from './table.ts';

export const EVENT_COLUMNS: readonly Column[] = [
  { header: 'TIME' },
  { header: 'TYPE' },
  { header: 'PID', align: 'right' },
  { header: 'PPID', align: 'right' },
  { header: 'UID', align: 'right' },
  { header: 'COMM', max: 16 },
  { header: 'DETAILS', max: 160 },
];

export function eventRow(e: StoredEvent): string[] {
  return [
    formatLocalTime(e.timeUs),
    e.type,
    String(e.pid),
    String(e.ppid),
    String(e.uid),
    e.comm,
    eventDetails(e),
  ];
}

export function eventDetails(e: StoredEvent): string {
  switch (e.type) {
    case 'exec': {
      const file = e.filenameTruncated ? `${e.filename}…` : e.filename;
      // argv[0] is usually the program name, which the filename already says.
      const args = e.argv.slice(1).map(shellQuote);
      if (e.argsTruncated || e.argc > e.argv.length) args.push('…');
      return [file, ...args].join(' ');
    }
    case 'fork':
      return `child=${e.childPid}`;
    case 'exit': {
      const parts: string[] = [];
      if (e.signal !== null) parts.push(`signal=${signalName(e.signal)}`);
      else if (e.exitCode !== null) parts.push(`code=${e.exitCode}`);
      if (e.coreDumped) parts.push('core');
      parts.push(`lifetime=${formatDuration(e.lifetimeNs)}`);
      return parts.join(' ');
    }
    case 'drop':
      return dropDetails(e);
    case 'dns_query':
    case 'dns_answer':
      return dnsDetails(e);
    case 'open':
    case 'unlink':
    case 'rename':
    case 'chmod':
      return fileDetails(e);
    case 'tcp_connect':
    case 'tcp_accept':
    case 'tcp_close':
    case 'connect':
    case 'udp_send':
      return netDetails(e);
    case 'policy_egress':
    case 'policy_exec':
    case 'policy_firewall':
      return policyDetails(e);
  }
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in local time. */
export function formatLocalTime(timeUs: number): string {
  const d = new Date(Math.floor(timeUs / 1000));
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  );
}

// Numbers differ between architectures, so take them from the platform, not a table.
// The first name wins for aliases (SIGABRT over SIGIOT, SIGIO over SIGPOLL).
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.signals)) {
  if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name);
}
// As `kill -l` numbers them: glibc keeps 32 and 33 for itself.
const SIGRTMIN = 34;
const SIGRTMAX = 64;

export function signalName(n: number): string {
  const name = SIGNAL_NAMES.get(n);
  if (name !== undefined) return name;
  if (n >= SIGRTMIN && n <= SIGRTMAX) return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  return String(n);
}

/** Quotes an argument only when a shell would need it, so common command lines stay readable. */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
