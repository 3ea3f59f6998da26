/**
 * Event filters as users type them (CLI flags, API query parameters): every
 * value checked with a message naming the option, the value and what was
 * expected, before the database is touched.
 */
import { isIP, SocketAddress } from 'node:net';
import { parseTimeSpec, TimeSpecError } from '../domain/time-spec.ts';
import { EVENT_TYPES, type EventType, isEventType } from '../families/events.ts';
import { type EventFilter, MAX_LIMIT } from './event-query.ts';

/** Raw strings, as a command line or a query string gives them. */
export interface EventFilterInput {
  readonly type?: readonly string[];
  readonly pid?: string;
  readonly comm?: string;
  readonly uid?: string;
  readonly path?: string;
  readonly addr?: string;
  readonly port?: string;
  readonly localPort?: string;
  readonly remotePort?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
}

// The kernel keeps 15 bytes of a command name (TASK_COMM_LEN 16, with the NUL).
const COMM_MAX_BYTES = 15;
// Port 0 is no port (an unbound socket's), so no filter asks for it.
const PORT = 'a port number from 1 to 65535';

/**
 * Turns raw strings into a filter, or calls `fail` with a one-line reason;
 * `label` names an option in messages (given the input's key: localPort).
 */
export function parseEventFilter(
  opts: EventFilterInput,
  nowUs: number,
  fail: (msg: string) => never,
  label: (name: string) => string,
): EventFilter {
  const bad = (flag: string, value: string, expected: string): never =>
    fail(`invalid ${flag} ${JSON.stringify(value)}: expected ${expected}`);
  const int = (flag: string, value: string | undefined, min: number, max: number, expected: string) => {
    if (value === undefined) return undefined;
    const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max ? n : bad(flag, value, expected);
  };
  const time = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    try {
      return parseTimeSpec(value, nowUs);
    } catch (err) {
      if (err instanceof TimeSpecError) return bad(flag, value, err.expected);
      throw err;
    }
  };

  let types: EventType[] | undefined;
  for (const raw of opts.type ?? []) {
    for (const t of raw.split(',').map((s) => s.trim())) {
      if (!isEventType(t)) return bad(label('type'), t, `one of ${EVENT_TYPES.join(', ')}`);
      types ??= [];
      if (!types.includes(t)) types.push(t);
    }
  }
  let comm: string | undefined;
  if (opts.comm !== undefined) {
    if (opts.comm === '') return bad(label('comm'), opts.comm, 'a command name');
    comm = truncateUtf8(opts.comm, COMM_MAX_BYTES);
  }
  const filter: EventFilter = {
    types,
    pid: int(label('pid'), opts.pid, 1, 2 ** 31 - 1, 'a positive integer process id'),
    comm,
    uid: int(label('uid'), opts.uid, 0, 2 ** 32 - 1, 'a non-negative integer user id'),
    path:
      opts.path === undefined
        ? undefined
        : opts.path === ''
          ? bad(label('path'), opts.path, 'a path prefix')
          : opts.path,
    addr:
      opts.addr === undefined
        ? undefined
        : isIP(opts.addr)
          ? canonicalIp(opts.addr)
          : bad(label('addr'), opts.addr, 'an IPv4 or IPv6 address'),
    port: int(label('port'), opts.port, 1, 65535, PORT),
    localPort: int(label('localPort'), opts.localPort, 1, 65535, PORT),
    remotePort: int(label('remotePort'), opts.remotePort, 1, 65535, PORT),
    sinceUs: time(label('since'), opts.since),
    untilUs: time(label('until'), opts.until),
    limit: int(label('limit'), opts.limit, 1, MAX_LIMIT, `an integer from 1 to ${MAX_LIMIT}`) ?? 100,
  };
  if (filter.sinceUs !== undefined && filter.untilUs !== undefined && filter.sinceUs > filter.untilUs) {
    return fail(
      `${label('since')} ${JSON.stringify(opts.since)} is after ${label('until')} ${JSON.stringify(opts.until)}`,
    );
  }
  return filter;
}

// Addresses are stored in canonical form (RFC 5952 for IPv6), so 2001:DB8:0::1 must find 2001:db8::1.
function canonicalIp(addr: string): string {
  return isIP(addr) === 6 ? new SocketAddress({ address: addr, family: 'ipv6' }).address : addr;
}

// Match what the kernel stores, so `--comm systemd-journald` finds "systemd-journal".
function truncateUtf8(s: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    bytes += Buffer.byteLength(ch);
    if (bytes > maxBytes) break;
    out += ch;
  }
  return out;
}
