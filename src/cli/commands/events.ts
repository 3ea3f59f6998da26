/**
 * `bpfwarden events`: query stored events from the database,
 * opened read-only so it is safe beside a running agent. Every option is
 * validated up front with a message naming the option, the value and what
 * was expected, before the database is touched.
 */

import type { Command } from 'commander';
import { EVENT_TYPES } from '../../families/events.ts';
import { openDatabase } from '../../store/database.ts';
import { parseEventFilter } from '../../store/event-filter-input.ts';
import { type EventFilter, MAX_LIMIT, queryEvents, type StoredEvent } from '../../store/event-query.ts';
import { viaAgentOr } from '../agent-api.ts';
import { USAGE } from '../errors.ts';
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
  localPort?: string;
  remotePort?: string;
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ bpfwarden events                              newest 100 events
  $ bpfwarden events --type exec --since 10m      programs started in the last 10 minutes
  $ bpfwarden events --pid 4242 --type fork,exit  what process 4242 forked, and how it ended
  $ bpfwarden events --comm curl --uid 1000       curl run by uid 1000
  $ bpfwarden events --since "2026-11-22 09:00" --until "2026-11-22 10:00" --limit 5000
  $ bpfwarden events --path /etc/ --type open      opens under /etc
  $ bpfwarden events --addr 10.0.0.5 --port 443   connections to 10.0.0.5:443
  $ bpfwarden events --type tcp_accept --local-port 8080  accepted on 8080, by which process
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
    .option(
      '--db <path>',
      'database file (default: ask the running agent, else read this file)',
      deps.defaultDbPath,
    )
    .option('--type <type>', `event type: ${EVENT_TYPES.join('|')} (repeatable or comma-separated)`, collect)
    .option('--pid <n>', 'only this process id')
    .option('--comm <name>', 'only this command name (as the kernel records it: 15 bytes at most)')
    .option('--uid <n>', 'only this user id')
    .option('--path <prefix>', 'only events whose path starts with this (exec filename, file path)')
    .option('--addr <ip>', 'only events with this remote address (IPv4 or IPv6)')
    .option('--port <n>', 'only events with this port at either end, local or remote')
    .option('--local-port <n>', "only events with this port at this host's end")
    .option('--remote-port <n>', 'only events with this remote port')
    .option('--since <time>', 'only events at or after this time')
    .option('--until <time>', 'only events at or before this time')
    .option('--limit <n>', `newest events to show, 1 to ${MAX_LIMIT} (default: 100)`)
    .option('--json', 'one JSON object per line instead of a table')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: RawOptions, cmd: Command) => {
      const filter = parseFilter(opts, Date.now() * 1000, (msg) => cmd.error(`error: ${msg}`, USAGE));
      const writeErr = cmd.configureOutput().writeErr ?? ((s: string) => process.stderr.write(s));
      const { db: _db, json: _json, type, ...raw } = opts;
      const events = await viaAgentOr(
        cmd,
        async (api) =>
          (
            await api.get<{ events: StoredEvent[] }>('/api/v1/events', {
              ...raw,
              ...(type ? { type } : {}),
              limit: filter.limit,
            })
          ).events,
        () => {
          // Store failures (no database, newer schema) propagate as StoreError: they are
          // not usage errors, and the entry point prints their message with exit code 1.
          const db = openDatabase(opts.db, { readOnly: true });
          try {
            return queryEvents(db, filter);
          } finally {
            db.close();
          }
        },
        deps.env,
      );
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

/** Turns raw option strings into a filter, or calls `fail` with a one-line reason naming the flag. */
export function parseFilter(
  opts: Omit<RawOptions, 'db'>,
  nowUs: number,
  fail: (msg: string) => never,
): EventFilter {
  return parseEventFilter(opts, nowUs, fail, flagName);
}

/** The option of an input key: localPort is --local-port. */
function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
