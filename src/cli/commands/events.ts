/**
 * `bpfwarden events`: query stored events from the database,
 * opened read-only so it is safe beside a running agent. Every option is
 * validated up front with a message naming the option, the value and what
 * was expected, before the database is touched.
 */

import { isIP, SocketAddress } from 'node:net';
import type { Command } from 'commander';
import { EVENT_TYPES, type EventType, isEventType } from '../../domain/events.ts';
import { parseTimeSpec, TimeSpecError } from '../../domain/time-spec.ts';
import { openDatabase } from '../../store/database.ts';
import { type EventFilter, MAX_LIMIT, queryEvents, type StoredEvent } from '../../store/event-query.ts';
import { useColor } from '../format/color.ts';
import { EVENT_COLUMNS, eventRow } from '../format/event-row.ts';
import { renderTable } from '../format/table.ts';

export interface EventsCommandDeps {
  readonly defaultDbPath: string;
  readonly out: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

interface RawOptions {
  db: string;
  type?: string[];
  pid?: string;
  comm?: string;
  uid?: string;
  path?: string;
  addr?: string;
  port?: string;
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
}

const USAGE = { code: 'bpfwarden.usage', exitCode: 2 } as const;
// The kernel keeps 15 bytes of a command name (TASK_COMM_LEN 16, with the NUL).
const COMM_MAX_BYTES = 15;

const EXAMPLES = `
Examples:
  $ bpfwarden events                              newest 100 events
  $ bpfwarden events --type exec --since 10m      programs started in the last 10 minutes
  $ bpfwarden events --pid 4242 --type fork,exit  what process 4242 forked, and how it ended
  $ bpfwarden events --comm curl --uid 1000       curl run by uid 1000
  $ bpfwarden events --since "2026-11-22 09:00" --until "2026-11-22 10:00" --limit 5000
  $ bpfwarden events --path /etc/ --type open      opens under /etc
  $ bpfwarden events --addr 10.0.0.5 --port 443   connections to 10.0.0.5:443
  $ bpfwarden events --json | jq .filename        one JSON object per line
  $ bpfwarden events summary --by comm --since 1h counts per command (see: events summary --help)

Times: a duration meaning that long ago (500ms, 90s, 5m, 2h, 1d, 1h30m), an ISO 8601
time (2026-11-22T10:00:00Z; without a zone it is local time), a date (local midnight),
Unix seconds, or "now".
`;

export function registerEventsCommand(program: Command, deps: EventsCommandDeps): Command {
  return program
    .command('events')
    .description('show stored events (newest last), read-only')
    .enablePositionalOptions()
    .option('--db <path>', 'database file', deps.defaultDbPath)
    .option('--type <type>', `event type: ${EVENT_TYPES.join('|')} (repeatable or comma-separated)`, collect)
    .option('--pid <n>', 'only this process id')
    .option('--comm <name>', 'only this command name (as the kernel records it: 15 bytes at most)')
    .option('--uid <n>', 'only this user id')
    .option('--path <prefix>', 'only events whose path starts with this (exec filename, file path)')
    .option('--addr <ip>', 'only events with this remote address (IPv4 or IPv6)')
    .option('--port <n>', 'only events with this remote port')
    .option('--since <time>', 'only events at or after this time')
    .option('--until <time>', 'only events at or before this time')
    .option('--limit <n>', `newest events to show, 1 to ${MAX_LIMIT} (default: 100)`)
    .option('--json', 'one JSON object per line instead of a table')
    .addHelpText('after', EXAMPLES)
    .action((opts: RawOptions, cmd: Command) => {
      const filter = parseFilter(opts, Date.now() * 1000, (msg) => cmd.error(`error: ${msg}`, USAGE));
      const writeErr = cmd.configureOutput().writeErr ?? ((s: string) => process.stderr.write(s));
      // Store failures (no database, newer schema) propagate as StoreError: they are
      // not usage errors, and the entry point prints their message with exit code 1.
      const db = openDatabase(opts.db, { readOnly: true });
      let events: StoredEvent[];
      try {
        events = queryEvents(db, filter);
      } finally {
        db.close();
      }
      if (opts.json) {
        if (events.length > 0) deps.out.write(`${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
        return;
      }
      if (events.length === 0) {
        writeErr('no events match\n');
        return;
      }
      const color = useColor(deps.out as { isTTY?: boolean }, deps.env);
      deps.out.write(renderTable(EVENT_COLUMNS, events.map(eventRow), { color }));
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Turns raw option strings into a filter, or calls `fail` with a one-line reason. */
export function parseFilter(
  opts: Omit<RawOptions, 'db'>,
  nowUs: number,
  fail: (msg: string) => never,
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
      if (!isEventType(t)) return bad('--type', t, `one of ${EVENT_TYPES.join(', ')}`);
      types ??= [];
      if (!types.includes(t)) types.push(t);
    }
  }
  let comm: string | undefined;
  if (opts.comm !== undefined) {
    if (opts.comm === '') return bad('--comm', opts.comm, 'a command name');
    comm = truncateUtf8(opts.comm, COMM_MAX_BYTES);
  }
  const filter: EventFilter = {
    types,
    pid: int('--pid', opts.pid, 1, 2 ** 31 - 1, 'a positive integer process id'),
    comm,
    uid: int('--uid', opts.uid, 0, 2 ** 32 - 1, 'a non-negative integer user id'),
    path:
      opts.path === undefined
        ? undefined
        : opts.path === ''
          ? bad('--path', opts.path, 'a path prefix')
          : opts.path,
    addr:
      opts.addr === undefined
        ? undefined
        : isIP(opts.addr)
          ? canonicalIp(opts.addr)
          : bad('--addr', opts.addr, 'an IPv4 or IPv6 address'),
    port: int('--port', opts.port, 0, 65535, 'a port number from 0 to 65535'),
    sinceUs: time('--since', opts.since),
    untilUs: time('--until', opts.until),
    limit: int('--limit', opts.limit, 1, MAX_LIMIT, `an integer from 1 to ${MAX_LIMIT}`) ?? 100,
  };
  if (filter.sinceUs !== undefined && filter.untilUs !== undefined && filter.sinceUs > filter.untilUs) {
    return fail(`--since ${JSON.stringify(opts.since)} is after --until ${JSON.stringify(opts.until)}`);
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
