import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerDbCommand } from '../../../src/cli/commands/db.ts';
import { registerEventsCommand } from '../../../src/cli/commands/events.ts';
import { registerEventsSummaryCommand } from '../../../src/cli/commands/events-summary.ts';
import type { DropEvent } from '../../../src/families/drop/events.ts';
import type { BpfEvent } from '../../../src/families/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { dbStats } from '../../../src/store/db-stats.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { LATEST_SCHEMA_VERSION } from '../../../src/store/migrations.ts';
import { EVENT_TABLES } from '../../../src/store/tables/index.ts';
import {
  execEvent,
  exitEvent,
  dropEvent as fixtureDropEvent,
  forkEvent,
  tempDir,
} from '../store/fixtures.ts';

process.env.TZ = 'UTC'; // times render in local time
delete process.env.FORCE_COLOR; // db stats decides colour from the environment

const T = Date.UTC(2026, 10, 22, 10, 0, 0) * 1000; // 2026-11-22 10:00:00 UTC, in µs
const S = 1_000_000;

interface Run {
  out: string;
  err: string;
  error?: CommanderError;
}

async function run(dbPath: string, args: string[]): Promise<Run> {
  const result: Run = { out: '', err: '' };
  const out = new Writable({
    write(chunk, _enc, cb) {
      result.out += String(chunk);
      cb();
    },
  });
  // As buildProgram does: without positional options on the root, `events` would take
  // the options meant for `events summary` (--json, --comm, ...).
  const program = new Command('bpfwarden').enablePositionalOptions();
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => (result.out += s), writeErr: (s) => (result.err += s) });
  const deps = { defaultDbPath: dbPath, out, env: { BPFWARDEN_API_SOCKET: '/nonexistent/api.sock' } };
  registerEventsSummaryCommand(registerEventsCommand(program, deps), deps);
  registerDbCommand(program, out);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    result.error = err;
  }
  return result;
}

function dropEvent(over: Partial<DropEvent> = {}): DropEvent {
  return fixtureDropEvent({ timeUs: T, ...over });
}

const EVENTS: BpfEvent[] = [
  execEvent({ timeUs: T, pid: 300, uid: 1000, comm: 'curl', filename: '/usr/bin/curl' }),
  execEvent({ timeUs: T + 1 * S, pid: 301, uid: 1000, comm: 'curl', filename: '/usr/bin/c%rl' }),
  forkEvent({ timeUs: T + 2 * S, pid: 200, uid: 0, comm: 'bash', childPid: 300 }),
  dropEvent({ timeUs: T + 3 * S, pid: 300, uid: 1000, comm: 'curl', daddr: '10.0.0.5', dport: 443 }),
  dropEvent({ timeUs: T + 4 * S, pid: 300, uid: 1000, comm: 'curl', daddr: '10.0.0.5', dport: 443 }),
  dropEvent({
    timeUs: T + 5 * S,
    pid: 400,
    uid: 33,
    comm: 'wget',
    ipVersion: 6,
    saddr: '2001:db8::2',
    daddr: '2001:db8::1',
    dport: 80,
  }),
  exitEvent({ timeUs: T + 6 * S, pid: 300, uid: 1000, comm: 'curl' }),
];

function makeDb(t: Parameters<typeof tempDir>[0], events: readonly BpfEvent[] = EVENTS): string {
  const path = join(tempDir(t), 'events.db');
  const db = openDatabase(path);
  const writer = new EventWriter(db);
  writer.enqueue(events);
  assert.equal(writer.flush(), events.length);
  db.close();
  return path;
}

function jsonLines(out: string): Record<string, unknown>[] {
  return out
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

test('events: bad --path, --addr and port values are usage errors naming option, value and expectation', async (t) => {
  const path = makeDb(t);
  const cases: [string[], string][] = [
    [['--port', '70000'], 'error: invalid --port "70000": expected a port number from 1 to 65535'],
    [['--port', 'https'], 'error: invalid --port "https": expected a port number from 1 to 65535'],
    [['--port', '-1'], 'error: invalid --port "-1": expected a port number from 1 to 65535'],
    [['--port', '44.3'], 'error: invalid --port "44.3": expected a port number from 1 to 65535'],
    [['--port', '0'], 'error: invalid --port "0": expected a port number from 1 to 65535'],
    [['--local-port', '0'], 'error: invalid --local-port "0": expected a port number from 1 to 65535'],
    [['--local-port', 'http'], 'error: invalid --local-port "http": expected a port number from 1 to 65535'],
    [
      ['--remote-port', '65536'],
      'error: invalid --remote-port "65536": expected a port number from 1 to 65535',
    ],
    [['--remote-port', ' '], 'error: invalid --remote-port " ": expected a port number from 1 to 65535'],
    [['--addr', '1.2.3'], 'error: invalid --addr "1.2.3": expected an IPv4 or IPv6 address'],
    [['--addr', '10.0.0.256'], 'error: invalid --addr "10.0.0.256": expected an IPv4 or IPv6 address'],
    [['--addr', 'example.com'], 'error: invalid --addr "example.com": expected an IPv4 or IPv6 address'],
    [['--addr', '2001:db8:::1'], 'error: invalid --addr "2001:db8:::1": expected an IPv4 or IPv6 address'],
    [['--path', ''], 'error: invalid --path "": expected a path prefix'],
  ];
  for (const [args, message] of cases) {
    const r = await run(path, ['events', ...args]);
    assert.ok(r.error, `${args.join(' ')} should fail`);
    assert.equal(r.error.code, 'CLI_USAGE');
    assert.equal(r.error.exitCode, 2);
    assert.equal(r.error.message, message);
    assert.equal(r.err, `${message}\n`);
    assert.equal(r.out, '');
  }
});

test('events: --path, --addr and --port narrow the rows', async (t) => {
  const path = makeDb(t);
  const types = async (args: string[]): Promise<unknown[]> => {
    const r = await run(path, ['events', '--json', ...args]);
    assert.equal(r.error, undefined, r.err);
    return jsonLines(r.out).map((e) => [e.type, e.timeUs]);
  };
  assert.deepEqual(await types(['--path', '/usr/bin/c%']), [['exec', T + S]], '% is literal');
  assert.deepEqual(await types(['--path', '/usr/bin/']), [
    ['exec', T],
    ['exec', T + S],
  ]);
  assert.deepEqual(await types(['--port', '443']), [
    ['drop', T + 3 * S],
    ['drop', T + 4 * S],
  ]);
  assert.deepEqual(await types(['--addr', '2001:db8::1']), [['drop', T + 5 * S]]);
  // Any spelling of the same IPv6 address finds the canonical stored form.
  assert.deepEqual(await types(['--addr', '2001:DB8:0:0:0:0:0:1']), [['drop', T + 5 * S]]);
  assert.deepEqual(await types(['--addr', '10.0.0.5', '--port', '80']), []);
  // A drop's source counts as the local end: --port finds it, --remote-port does not.
  assert.deepEqual(await types(['--port', '40000', '--addr', '2001:db8::1']), [['drop', T + 5 * S]]);
  assert.deepEqual(await types(['--local-port', '40000', '--addr', '2001:db8::1']), [['drop', T + 5 * S]]);
  assert.deepEqual(await types(['--remote-port', '40000']), []);
  assert.deepEqual(await types(['--remote-port', '80']), [['drop', T + 5 * S]]);
  assert.deepEqual(await types(['--addr', '10.0.0.5', '--type', 'drop', '--limit', '1']), [
    ['drop', T + 4 * S],
  ]);
  const help = await run(path, ['events', '--help']);
  for (const flag of ['--path', '--addr', '--port', '--local-port', '--remote-port'])
    assert.ok(help.out.includes(flag), flag);
});

test('events summary: a table of groups, largest first, with first and last seen', async (t) => {
  const path = makeDb(t);
  const r = await run(path, ['events', 'summary']);
  assert.equal(r.error, undefined, r.err);
  assert.equal(r.err, '');
  assert.equal(
    r.out,
    [
      'COMM  COUNT  FIRST                    LAST',
      'curl      5  2026-11-22 10:00:00.000  2026-11-22 10:00:06.000',
      'wget      1  2026-11-22 10:00:05.000  2026-11-22 10:00:05.000',
      'bash      1  2026-11-22 10:00:02.000  2026-11-22 10:00:02.000',
      '',
    ].join('\n'),
  );
  const dest = await run(path, ['events', 'summary', '--by', 'dest']);
  assert.equal(
    dest.out,
    [
      'COMM  ADDR         PORT  COUNT  FIRST                    LAST',
      'curl  10.0.0.5     443       2  2026-11-22 10:00:03.000  2026-11-22 10:00:04.000',
      'wget  2001:db8::1  80        1  2026-11-22 10:00:05.000  2026-11-22 10:00:05.000',
      '',
    ].join('\n'),
  );
  const pid = await run(path, ['events', 'summary', '--by', 'pid', '--type', 'exec,exit', '--limit', '1']);
  assert.equal(
    pid.out,
    [
      'PID  COMM  COUNT  FIRST                    LAST',
      '300  curl      2  2026-11-22 10:00:00.000  2026-11-22 10:00:06.000',
      '',
    ].join('\n'),
  );
});

test('events summary --json: one object per group with its key, count, first and last', async (t) => {
  const path = makeDb(t);
  const r = await run(path, ['events', 'summary', '--by', 'type', '--json']);
  assert.equal(r.error, undefined, r.err);
  assert.deepEqual(jsonLines(r.out), [
    { type: 'drop', count: 3, firstUs: T + 3 * S, lastUs: T + 5 * S },
    { type: 'exec', count: 2, firstUs: T, lastUs: T + S },
    { type: 'exit', count: 1, firstUs: T + 6 * S, lastUs: T + 6 * S },
    { type: 'fork', count: 1, firstUs: T + 2 * S, lastUs: T + 2 * S },
  ]);
  const uid = await run(path, [
    'events',
    'summary',
    '--by',
    'uid',
    '--json',
    '--since',
    '2026-11-22T10:00:03Z',
  ]);
  assert.deepEqual(jsonLines(uid.out), [
    { uid: 1000, count: 3, firstUs: T + 3 * S, lastUs: T + 6 * S },
    { uid: 33, count: 1, firstUs: T + 5 * S, lastUs: T + 5 * S },
  ]);
  const dest = await run(path, ['events', 'summary', '--by', 'dest', '--json', '--comm', 'wget']);
  assert.deepEqual(jsonLines(dest.out), [
    { comm: 'wget', addr: '2001:db8::1', port: 80, count: 1, firstUs: T + 5 * S, lastUs: T + 5 * S },
  ]);
  const none = await run(path, ['events', 'summary', '--json', '--pid', '999']);
  assert.equal(none.out, '');
  assert.equal(none.err, '');
});

test('events summary: nothing matching is a note on stderr; bad options are usage errors', async (t) => {
  const path = makeDb(t);
  const none = await run(path, ['events', 'summary', '--comm', 'nobody']);
  assert.equal(none.error, undefined);
  assert.equal(none.out, '');
  assert.equal(none.err, 'no events match\n');
  const cases: [string[], string][] = [
    [
      ['--by', 'host'],
      'error: invalid --by "host": expected one of comm, pid, type, dest, uid, reason, rule',
    ],
    [
      ['--by', 'COMM'],
      'error: invalid --by "COMM": expected one of comm, pid, type, dest, uid, reason, rule',
    ],
    [['--limit', '0'], 'error: invalid --limit "0": expected an integer from 1 to 100000'],
    [['--pid', 'x'], 'error: invalid --pid "x": expected a positive integer process id'],
  ];
  for (const [args, message] of cases) {
    const r = await run(path, ['events', 'summary', ...args]);
    assert.equal(r.error?.code, 'CLI_USAGE', args.join(' '));
    assert.equal(r.error?.exitCode, 2);
    assert.equal(r.error?.message, message);
    assert.equal(r.err, `${message}\n`);
    assert.equal(r.out, '');
  }
});

test('db stats: the file, schema and sizes, then rows and time span per table', async (t) => {
  const path = makeDb(t);
  const r = await run(path, ['db', 'stats', '--db', path]);
  assert.equal(r.error, undefined, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(
    lines[0] ?? '',
    new RegExp(
      `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: schema ${LATEST_SCHEMA_VERSION}, file \\d+\\.\\d MiB \\+ WAL \\d+\\.\\d MiB, live data \\d+\\.\\d MiB$`,
    ),
  );
  assert.match(lines[1] ?? '', /^TABLE +ROWS {2}OLDEST +NEWEST$/);
  assert.equal(lines.length, 2 + EVENT_TABLES.length);
  const rows = new Map(lines.slice(2).map((l) => [l.split(/ +/)[0], l]));
  assert.deepEqual(
    [...rows.keys()],
    EVENT_TABLES.map((x) => x.name),
  );
  assert.match(
    rows.get('process_events') ?? '',
    /^process_events +4 {2}2026-11-22 10:00:00\.000 {2}2026-11-22 10:00:06\.000$/,
  );
  assert.match(rows.get('drop_events') ?? '', / 3 {2}2026-11-22 10:00:03\.000 {2}2026-11-22 10:00:05\.000$/);
  for (const [name, line] of rows) {
    if (name !== 'process_events' && name !== 'drop_events') assert.match(line, / 0 {2}- +-$/, name ?? '');
  }
});

test('db stats --json matches dbStats; a missing database is DB_NOT_FOUND', async (t) => {
  const path = makeDb(t);
  const r = await run(path, ['db', 'stats', '--db', path, '--json']);
  const got = JSON.parse(r.out);
  const db = openDatabase(path, { readOnly: true });
  const expected = dbStats(db, path);
  db.close();
  assert.deepEqual(got.tables, expected.tables);
  assert.equal(got.schemaVersion, LATEST_SCHEMA_VERSION);
  assert.equal(got.path, path);
  assert.ok(got.fileBytes > 0);
  const missing = join(tempDir(t), 'missing.db');
  await assert.rejects(() => run(missing, ['db', 'stats', '--db', missing]), {
    name: 'StoreError',
    code: 'STORE_DB_NOT_FOUND',
  });
});
