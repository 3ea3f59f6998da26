/**
 * Snapshots of what the CLI prints: tables and JSON of the data commands over
 * a fixture database with fixed times, the status screen, help texts and the
 * start of the bash completion script. Stored in snapshots.test.ts.snapshot
 * next to this file; after an intended change of the output, review the diff
 * and regenerate with:
 *   node --test --test-update-snapshots test/unit/cli/snapshots.test.ts
 * Commands run in-process on their register functions with a captured output
 * stream, in UTC, without colour, and with no agent to ask (the API socket
 * does not exist), so they read the fixture database.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerAlertsCommand } from '../../../src/cli/commands/alerts.ts';
import { registerDbCommand } from '../../../src/cli/commands/db.ts';
import { registerEventsCommand } from '../../../src/cli/commands/events.ts';
import { registerEventsSummaryCommand } from '../../../src/cli/commands/events-summary.ts';
import { registerRulesCommand } from '../../../src/cli/commands/rules.ts';
import { registerStatusCommand, renderStatus } from '../../../src/cli/commands/status.ts';
import { completionScript } from '../../../src/cli/completion/index.ts';
import { buildProgram } from '../../../src/cli/program.ts';
import type { StatusSnapshot } from '../../../src/domain/contracts/status.ts';
import type { Rule } from '../../../src/domain/rules/rule.ts';
import type { NetEvent } from '../../../src/families/net/events.ts';
import { insertAlerts } from '../../../src/store/alerts-store.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { recordRuleRun, upsertRule } from '../../../src/store/rules-store.ts';
import { dropEvent, execEvent, exitEvent, forkEvent, tempDir } from '../store/fixtures.ts';

process.env.TZ = 'UTC';
process.env.NO_COLOR = '1';
// FORCE_COLOR would win over NO_COLOR (see format/color.ts).
delete process.env.FORCE_COLOR;
process.env.BPFWARDEN_API_SOCKET = '/nonexistent/api.sock';

const T = Date.UTC(2026, 10, 22, 10, 0, 0) * 1000; // 2026-11-22 10:00:00 UTC, in µs
/** Text as it is, not JSON-quoted: a table reads as a table in the snapshot file. */
const raw = { serializers: [(v: unknown) => v] };

const tcpConnect: NetEvent = {
  type: 'tcp_connect',
  timeUs: T + 3_000_000,
  ktimeNs: 1,
  pid: 300,
  tid: 300,
  ppid: 200,
  uid: 1000,
  gid: 1000,
  cgroupId: 9876,
  comm: 'curl',
  family: 4,
  protocol: 'tcp',
  direction: 'outbound',
  localAddr: '10.0.0.1',
  localPort: 40_001,
  remoteAddr: '93.184.216.34',
  remotePort: 443,
  ownerKnown: true,
};

const RULE: Rule = {
  id: 'exec-from-tmp',
  name: 'Program run from /tmp',
  description: 'A binary under /tmp was executed.',
  severity: 'high',
  query:
    "SELECT id, pid, comm, filename AS path FROM new_process_events\nWHERE type = 'exec' AND filename GLOB '/tmp/*'",
  title: '{comm} ran {path}',
  tags: ['T1059'],
  dedupe: '{pid}:{path}',
  throttleMs: 60_000,
  enabled: true,
};

/** A database with a few events of several types, one rule with a run, two alerts. */
function fixtureDb(t: TestContext): { dir: string; path: string } {
  const dir = tempDir(t);
  const path = join(dir, 'bw.db');
  const db = openDatabase(path);
  const writer = new EventWriter(db);
  writer.enqueue([
    execEvent({ timeUs: T, pid: 300, ppid: 200, uid: 1000, comm: 'curl' }),
    forkEvent({ timeUs: T + 1_500_000, pid: 200, ppid: 1, uid: 0, comm: 'bash', childPid: 301 }),
    execEvent({
      timeUs: T + 2_000_000,
      pid: 301,
      ppid: 200,
      uid: 0,
      comm: 'x',
      filename: '/tmp/x',
      argv: ['/tmp/x', '--quiet'],
      argc: 2,
    }),
    tcpConnect,
    dropEvent({ timeUs: T + 4_000_000 }),
    exitEvent({ timeUs: T + 62_250_000, pid: 300, ppid: 200, uid: 1000, comm: 'curl', lifetimeNs: 62e9 }),
  ]);
  writer.flush();
  upsertRule(db, RULE, '/etc/bpfwarden/rules/starter.yaml', T, 'set-enabled');
  recordRuleRun(db, RULE.id, 6, 1, T + 5_000_000);
  const draft = {
    timeUs: T + 5_000_000,
    ruleId: RULE.id,
    severity: 'high' as const,
    title: 'x ran /tmp/x',
    details: { pid: 301, comm: 'x', path: '/tmp/x' },
    eventIds: [3],
    eventTypes: ['exec'],
    dedupeKey: '301:/tmp/x',
    tags: ['T1059'],
  };
  insertAlerts(
    db,
    [
      { draft, sinks: ['webhook'], throttleMs: 60_000 },
      {
        draft: { ...draft, severity: 'low', ruleId: 'other', title: 'minor', eventIds: [], dedupeKey: 'm' },
        sinks: [],
        throttleMs: 0,
      },
    ],
    T + 5_000_000,
  );
  db.close();
  return { dir, path };
}

interface Ran {
  readonly out: string;
  readonly err: string;
  readonly exitCode: number;
}

/** Runs `args` on a program holding the commands `register` adds, capturing everything printed. */
async function run(register: (program: Command, out: Writable) => void, args: string[]): Promise<Ran> {
  let out = '';
  let err = '';
  const program = new Command('bpfwarden')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  register(program, stream);
  let exitCode = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
    exitCode = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    exitCode = e.exitCode;
  } finally {
    // Commands report "not running" and the like through process.exitCode: keep it off this process.
    process.exitCode = undefined;
  }
  return { out, err, exitCode };
}

const dataCommands =
  (dbPath: string) =>
  (program: Command, out: Writable): void => {
    const deps = { defaultDbPath: dbPath, out, env: process.env };
    registerEventsSummaryCommand(registerEventsCommand(program, deps), deps);
    registerAlertsCommand(program, dbPath, out);
    registerRulesCommand(program, dbPath, out);
    registerDbCommand(program, out);
    registerStatusCommand(program, out);
  };

/** The output as a snapshot: exit code, stdout, stderr; the temp dir named <dir>. */
function shown(r: Ran, dir: string): string {
  const text = `exit ${r.exitCode}\n--- stdout\n${r.out}--- stderr\n${r.err}`;
  return text.replaceAll(dir, '<dir>');
}

test('events: table and JSON lines', async (t) => {
  const { dir, path } = fixtureDb(t);
  const cmds = dataCommands(path);
  t.assert.snapshot(shown(await run(cmds, ['events']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['events', '--json']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['events', '--type', 'exec,tcp_connect', '--uid', '0']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['events', '--comm', 'nobody']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['events', '--limit', '0']), dir), raw);
});

test('events summary: table and JSON lines', async (t) => {
  const { dir, path } = fixtureDb(t);
  const cmds = dataCommands(path);
  t.assert.snapshot(shown(await run(cmds, ['events', 'summary']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['events', 'summary', '--by', 'type', '--json']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['events', 'summary', '--by', 'dest']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['events', 'summary', '--by', 'nope']), dir), raw);
});

test('alerts list and show: table, text and JSON', async (t) => {
  const { dir, path } = fixtureDb(t);
  const cmds = dataCommands(path);
  t.assert.snapshot(shown(await run(cmds, ['alerts', 'list']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['alerts', 'list', '--severity', 'medium', '--json']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['alerts', 'show', '1']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['alerts', 'show', '1', '--json']), dir), raw);
});

test('rules list: table and JSON', async (t) => {
  const { dir, path } = fixtureDb(t);
  const cmds = dataCommands(path);
  t.assert.snapshot(shown(await run(cmds, ['rules', 'list']), dir), raw);
  t.assert.snapshot(shown(await run(cmds, ['rules', 'list', '--json']), dir), raw);
});

test('db stats: table and JSON (sizes and schema version masked: they change with SQLite and migrations)', async (t) => {
  const { dir, path } = fixtureDb(t);
  const cmds = dataCommands(path);
  const table = shown(await run(cmds, ['db', 'stats', '--db', path]), dir);
  t.assert.snapshot(table.replace(/\d+\.\d MiB/g, 'N MiB').replace(/schema \d+/, 'schema N'), raw);
  const json = shown(await run(cmds, ['db', 'stats', '--db', path, '--json']), dir);
  t.assert.snapshot(json.replace(/"(fileBytes|walBytes|usedBytes|schemaVersion)":\d+/g, '"$1":N'), raw);
});

const STATUS: StatusSnapshot = {
  pid: 4242,
  startedAtMs: T / 1000 - 3_600_000,
  updatedAtMs: T / 1000,
  database: '/var/lib/bpfwarden/bpfwarden.db',
  monitors: [
    {
      name: 'process',
      state: 'running',
      events: 123_456,
      eventsPerSecond: 42,
      kernelDrops: 0,
      decodeErrors: 0,
      attached: ['tracepoint:sched/sched_process_exec', 'tracepoint:sched/sched_process_fork'],
    },
    {
      name: 'file',
      state: 'running',
      events: 9_000,
      eventsPerSecond: 3,
      kernelDrops: 12,
      decodeErrors: 1,
      attached: ['raw_tracepoint:sys_exit'],
      counters: { filtered: 77 },
    },
    {
      name: 'net',
      state: 'failed',
      error: 'attach tracepoint sock/inet_sock_set_state: No such file or directory',
      events: 0,
      eventsPerSecond: 0,
      kernelDrops: 0,
      decodeErrors: 0,
      attached: [],
    },
  ],
  store: {
    stored: 132_455,
    queued: 3,
    queueDropped: 0,
    writeFailures: 0,
    latencyMs: { p50: 12, p99: 48, max: 95, count: 132_455 },
  },
  retention: { deletedByAge: 1000, deletedBySize: 0, failures: 0 },
};

test('status: the screen over a fixed snapshot, and JSON of a stopped agent', async (t) => {
  t.assert.snapshot(renderStatus(STATUS, false, T / 1000 + 2_000), raw);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'status.json'), JSON.stringify({ ...STATUS, stoppedAtMs: T / 1000 + 1_000 }));
  const r = await run(dataCommands(join(dir, 'unused.db')), ['status', '--runtime-dir', dir, '--json']);
  t.assert.snapshot(shown(r, dir), raw);
});

/** The help of the command at `path` in the real program, 80 columns wide. */
function helpOf(path: string[]): string {
  let cmd: Command = buildProgram();
  for (const name of path) {
    const next = cmd.commands.find((c) => c.name() === name);
    if (!next) throw new Error(`no command ${path.join(' ')}`);
    cmd = next;
  }
  let text = '';
  cmd.configureOutput({
    writeOut: (s) => (text += s),
    getOutHelpWidth: () => 80,
    getOutHasColors: () => false,
  });
  cmd.outputHelp();
  return text;
}

test('--help of the root and of a few commands', (t) => {
  for (const path of [[], ['events'], ['events', 'summary'], ['db', 'stats'], ['prog'], ['completion']]) {
    t.assert.snapshot(`$ bpfwarden ${[...path, '--help'].join(' ')}\n${helpOf(path)}`, raw);
  }
});

test('completion bash: the start of the script', (t) => {
  const head = completionScript('bash', buildProgram()).split('\n').slice(0, 12).join('\n');
  t.assert.snapshot(head, raw);
});
