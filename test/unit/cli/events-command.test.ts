import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerEventsCommand } from '../../../src/cli/commands/events.ts';
import { EVENT_TYPES } from '../../../src/families/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { StoreError } from '../../../src/store/store-error.ts';
import { execEvent, exitEvent, forkEvent, tempDir } from '../store/fixtures.ts';

process.env.TZ = 'UTC'; // the TIME column is local time

const T = Date.UTC(2026, 10, 22, 10, 0, 0) * 1000; // 2026-11-22 10:00:00 UTC, in µs

interface Run {
  out: string;
  err: string;
  error?: CommanderError;
}

async function run(dbPath: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const result: Run = { out: '', err: '' };
  const out = new Writable({
    write(chunk, _enc, cb) {
      result.out += String(chunk);
      cb();
    },
  });
  const program = new Command('bpfwarden');
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => (result.out += s), writeErr: (s) => (result.err += s) });
  registerEventsCommand(program, {
    defaultDbPath: dbPath,
    out,
    env: { BPFWARDEN_API_SOCKET: '/nonexistent/api.sock', ...env },
  });
  try {
    await program.parseAsync(['events', ...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    result.error = err;
  }
  return result;
}

function makeDb(t: Parameters<typeof tempDir>[0]): string {
  const path = join(tempDir(t), 'events.db');
  const db = openDatabase(path);
  const writer = new EventWriter(db);
  writer.enqueue([
    execEvent({ timeUs: T, pid: 300, ppid: 200, uid: 1000, comm: 'curl' }),
    forkEvent({ timeUs: T + 1_500_000, pid: 200, ppid: 1, uid: 0, comm: 'bash', childPid: 301 }),
    exitEvent({ timeUs: T + 62_250_000, pid: 300, ppid: 200, uid: 1000, comm: 'curl', lifetimeNs: 62e9 }),
  ]);
  writer.flush();
  db.close();
  return path;
}

test('prints a table of matching events, oldest first', async (t) => {
  const path = makeDb(t);
  const r = await run(path, []);
  assert.equal(r.error, undefined);
  assert.equal(r.err, '');
  assert.equal(
    r.out,
    [
      'TIME                     TYPE  PID  PPID   UID  COMM  DETAILS',
      "2026-11-22 10:00:00.000  exec  300   200  1000  curl  /usr/bin/curl -s 'https://example.com/a b' 'it'\\''s'",
      '2026-11-22 10:00:01.500  fork  200     1     0  bash  child=301',
      '2026-11-22 10:01:02.250  exit  300   200  1000  curl  signal=SIGKILL core lifetime=1m02s',
      '',
    ].join('\n'),
  );
});

test('filters narrow the table; colour only when forced', async (t) => {
  const path = makeDb(t);
  const r = await run(path, ['--type', 'fork,exit', '--uid', '1000'], { FORCE_COLOR: '1' });
  const lines = r.out.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.ok(lines[0]?.startsWith('\x1b[1mTIME'));
  assert.match(lines[1] ?? '', /exit {2}300/);
  const byComm = await run(path, ['--comm', 'bash', '--db', path]);
  assert.equal(byComm.out.trimEnd().split('\n').length, 2);
  assert.match(byComm.out, /child=301/);
  const noColor = await run(path, ['--pid', '300'], { FORCE_COLOR: '1', NO_COLOR: '1' });
  assert.ok(!noColor.out.includes('\x1b'), 'NO_COLOR wins over FORCE_COLOR (no-color.org)');
  assert.ok(!(await run(path, ['--pid', '300'], { NO_COLOR: '1' })).out.includes('\x1b'));
});

test('--json prints one object per line with every stored field', async (t) => {
  const path = makeDb(t);
  const r = await run(path, ['--json', '--type', 'exec', '--type', 'fork']);
  const lines = r.out.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  const [exec, fork] = lines.map((l) => JSON.parse(l));
  assert.deepEqual(exec, {
    id: 1,
    timeUs: T,
    type: 'exec',
    pid: 300,
    tid: 4242,
    ppid: 200,
    uid: 1000,
    gid: 1000,
    cgroupId: 9876,
    comm: 'curl',
    filename: '/usr/bin/curl',
    argv: ['curl', '-s', 'https://example.com/a b', "it's"],
    argc: 4,
    argsTruncated: false,
    filenameTruncated: false,
    oldPid: 4242,
  });
  assert.equal(fork.type, 'fork');
  assert.equal(fork.childPid, 301);
});

test('--limit keeps the newest; --since/--until bound the window', async (t) => {
  const path = makeDb(t);
  const last = await run(path, ['--json', '--limit', '1']);
  assert.equal(JSON.parse(last.out).type, 'exit');
  const window = await run(path, [
    '--json',
    '--since',
    '2026-11-22T10:00:01Z',
    '--until',
    '2026-11-22T10:00:02Z',
  ]);
  assert.deepEqual(
    window.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).type),
    ['fork'],
  );
  const unix = await run(path, ['--json', '--since', String(T / 1e6 + 60)]);
  assert.equal(JSON.parse(unix.out).type, 'exit');
});

test('nothing matching: silent in JSON mode, a note on stderr for the table', async (t) => {
  const path = makeDb(t);
  const json = await run(path, ['--json', '--pid', '999']);
  assert.equal(json.out, '');
  assert.equal(json.err, '');
  assert.equal(json.error, undefined);
  const table = await run(path, ['--pid', '999']);
  assert.equal(table.out, '');
  assert.equal(table.err, 'no events match\n');
});

test('bad option values are usage errors naming the option, the value and what was expected', async (t) => {
  const path = makeDb(t);
  const cases: [string[], string][] = [
    [['--type', 'exec,opne'], `error: invalid --type "opne": expected one of ${EVENT_TYPES.join(', ')}`],
    [['--pid', 'abc'], 'error: invalid --pid "abc": expected a positive integer process id'],
    [['--pid', '0'], 'error: invalid --pid "0": expected a positive integer process id'],
    [['--pid', '-5'], 'error: invalid --pid "-5": expected a positive integer process id'],
    [['--uid', '1.5'], 'error: invalid --uid "1.5": expected a non-negative integer user id'],
    [['--limit', '0'], 'error: invalid --limit "0": expected an integer from 1 to 100000'],
    [['--limit', '100001'], 'error: invalid --limit "100001": expected an integer from 1 to 100000'],
    [['--comm', ''], 'error: invalid --comm "": expected a command name'],
    [['--since', '2h', '--until', '3h'], 'error: --since "2h" is after --until "3h"'],
  ];
  for (const [args, message] of cases) {
    const r = await run(path, args);
    assert.ok(r.error, `${args.join(' ')} should fail`);
    assert.equal(r.error.code, 'CLI_USAGE');
    assert.equal(r.error.exitCode, 2);
    assert.equal(r.error.message, message);
    assert.equal(r.err, `${message}\n`, 'printed once, on stderr');
    assert.equal(r.out, '');
  }
  const since = await run(path, ['--since', 'yesterday']);
  assert.equal(since.error?.code, 'CLI_USAGE');
  assert.match(
    since.error?.message ?? '',
    /^error: invalid --since "yesterday": expected a duration .*1h30m.*ISO 8601/,
  );
  assert.equal(since.error?.message.includes('\n'), false, 'one line');
});

test('a long --comm is cut to the 15 bytes the kernel keeps', async (t) => {
  const path = join(tempDir(t), 'events.db');
  const db = openDatabase(path);
  const writer = new EventWriter(db);
  writer.enqueue([forkEvent({ comm: 'systemd-journal' })]);
  writer.flush();
  db.close();
  const r = await run(path, ['--json', '--comm', 'systemd-journald']);
  assert.equal(JSON.parse(r.out).comm, 'systemd-journal');
});

test('a missing database propagates as StoreError DB_NOT_FOUND (exit 1 at the entry point, not usage)', async (t) => {
  const path = join(tempDir(t), 'missing.db');
  await assert.rejects(
    () => run(path, []),
    (err: unknown) =>
      err instanceof StoreError &&
      err.code === 'STORE_DB_NOT_FOUND' &&
      err.message.includes(path) &&
      err.message.includes('bpfwarden agent'),
  );
});

test('reads while a writer holds the database open', async (t) => {
  const path = makeDb(t);
  const db = openDatabase(path);
  t.after(() => db.close());
  const writer = new EventWriter(db);
  writer.enqueue([forkEvent({ timeUs: T + 100_000_000, childPid: 777 })]);
  writer.flush();
  const r = await run(path, ['--json', '--limit', '1']);
  assert.equal(JSON.parse(r.out).childPid, 777);
});

test('help lists the options and examples', async (t) => {
  const path = makeDb(t);
  const r = await run(path, ['--help']);
  assert.equal(r.error?.code, 'commander.helpDisplayed');
  for (const flag of [
    '--db',
    '--type',
    '--pid',
    '--comm',
    '--uid',
    '--since',
    '--until',
    '--limit',
    '--json',
  ]) {
    assert.ok(r.out.includes(flag), flag);
  }
  assert.match(r.out, /Examples:\n {2}\$ bpfwarden events/);
});
