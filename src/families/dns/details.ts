/** DETAILS of DNS queries and answers: name, type, server, result. Pure. */
import type { Stored } from '../event-table.ts';
import type { DnsEvent } from './events.ts';

type StoredDns = Stored<DnsEvent>;

/** Answers shown before "…(+n)". */
const MAX_SHOWN = 4;

function server(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export function dnsDetails(e: StoredDns): string {
  const parts = [e.name === '' ? '(unreadable)' : e.name];
  if (e.qtypeName !== '') parts.push(e.qtypeName);
  if (e.type === 'dns_answer') {
    parts.push(e.rcodeName === '' ? '?' : e.rcodeName);
    const shown = e.answers
      .filter((a) => a.data !== null)
      .map((a) => (a.type === 'A' || a.type === 'AAAA' ? (a.data ?? '') : `${a.type} ${a.data}`));
    if (shown.length > 0) {
      const more = shown.length > MAX_SHOWN ? ` …(+${shown.length - MAX_SHOWN})` : '';
      parts.push(`→ ${shown.slice(0, MAX_SHOWN).join(', ')}${more}`);
    }
    parts.push(`from ${server(e.serverAddr, e.serverPort)}`);
    if (e.queryPid !== null) parts.push(`for pid ${e.queryPid}`);
  } else {
    parts.push(`to ${server(e.serverAddr, e.serverPort)}`);
  }
  parts.push(`id=${e.dnsId}`);
  if (e.truncated) parts.push('truncated');
  return parts.join(' ');
}
