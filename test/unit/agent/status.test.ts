import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Command } from 'commander';
import { alive, readStatus, statusPath, writeStatus } from '../../../src/agent/status-file.ts';
import { statusLine, type Totals } from '../../../src/agent/status-line.ts';
import { registerStatusCommand, renderStatus } from '../../../src/cli/commands/status.ts';
import type { StatusSnapshot } from '../../../src/domain/contracts/status.ts';
import { tempDir } from '../store/fixtures.ts';

process.env.TZ = 'UTC'; // times render in local time
delete process.env.FORCE_COLOR; // the command decides colour from the environment

const T = Date.UTC(2026, 10, 22, 10, 0, 0); // ms

function snapshot(over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    pid: 4242,
    startedAtMs: T - 3_725_000,
    updatedAtMs: T - 500,
    database: '/var/lib/bpfwarden/bpfwarden.db',
    monitors: [
      {
        name: 'process',
        state: 'running',
        events: 123_456,
        kernelDrops: 7,
        decodeErrors: 2,
        eventsPerSecond: 321,
        attached: ['raw_tp/sched_process_exec', 'raw_tp/sched_process_exit'],
        counters: { filtered: 5 },
      },
      {
        name: 'drop',
        state: 'failed',
        error: 'attach handle_drop to skb/kfree_skb: Operation not permitted',
        events: 0,
        kernelDrops: 0,
        decodeErrors: 0,
        eventsPerSecond: 0,
        attached: [],
      },
      {
        name: 'file',
        state: 'stopped',
        events: 9,
        kernelDrops: 1,
        decodeErrors: 0,
        eventsPerSecond: 0,
        attached: ['kprobe/vfs_open'],
      },
    ],
    store: {
      stored: 123_000,
      queued: 456,
      queueDropped: 3,
      writeFailures: 1,
      lastError: 'database is locked',
    },
    retention: { deletedByAge: 1000, deletedBySize: 20, failures: 1 },
    ...over,
  };
}

// ---- status file -------------------------------------------------------------

test('writeStatus/readStatus round trip: a root-only file, replaced atomically', async (t) => {
  const dir = tempDir(t);
  const s = snapshot();
  writeStatus(dir, s);
  assert.deepEqual(readStatus(dir), s);
  assert.equal(statusPath(dir), `${dir}/status.json`);
  assert.equal(statSync(statusPath(dir)).mode & 0o777, 0o600);
  const next = snapshot({ updatedAtMs: T + 1000, stoppedAtMs: T + 1000 });
  writeStatus(dir, next);
  assert.deepEqual(readStatus(dir), next);
  assert.deepEqual(readdirSync(dir), ['status.json'], 'no temporary file left behind');
});

test('readStatus: a missing, torn or foreign file is undefined', async (t) => {
  const dir = tempDir(t);
  assert.equal(readStatus(dir), undefined);
  assert.equal(readStatus(`${dir}/no/such/dir`), undefined);
  for (const text of [
    '',
    '{"pid": 4242, "monitors": [',
    'not json',
    'null',
    '42',
    '[]',
    '{}',
    '{"pid": "x", "monitors": []}',
  ]) {
    writeFileSync(statusPath(dir), text);
    assert.equal(readStatus(dir), undefined, JSON.stringify(text));
  }
});

test('alive: this process is, a reaped child is not', async () => {
  assert.equal(alive(process.pid), true);
  const child = spawnSync(process.execPath, ['-e', '']);
  assert.equal(child.status, 0);
  assert.ok(child.pid > 0);
  assert.equal(alive(child.pid), false);
  assert.equal(alive(2 ** 22 + 1), false, 'above the largest pid_max');
});

// ---- rendering ---------------------------------------------------------------

test('renderStatus shows the agent, store, retention and every monitor with its numbers or error', async () => {
  assert.equal(
    renderStatus(snapshot(), false, T),
    [
      'agent      pid 4242, up 1h02m, status at 2026-11-22 09:59:59.500',
      'database   /var/lib/bpfwarden/bpfwarden.db',
      'store      123000 stored, 456 queued, 3 dropped (queue full), 1 write failures (last: database is locked)',
      'retention  1000 deleted by age, 20 by size, 1 failures',
      'MONITOR  STATE    EVENTS/S  EVENTS  KERNEL DROPS  DECODE ERRORS  DETAIL',
      'process  running       321  123456             7              2  2 hooks attached; filtered 5',
      'drop     failed          0       0             0              0  attach handle_drop to skb/kfree_skb: Operation not permitted',
      'file     stopped         0       9             1              0  kprobe/vfs_open',
      '',
    ].join('\n'),
  );
});

test('renderStatus in colour: states are coloured, not escaped, and the columns still line up', async () => {
  const plain = renderStatus(snapshot(), false, T);
  const color = renderStatus(snapshot(), true, T);
  assert.ok(!color.includes('\\x1b'), 'no visible escape sequences');
  assert.ok(color.includes('\nprocess  \x1b[32mrunning\x1b[0m       321'), 'running in green');
  assert.ok(color.includes('\ndrop     \x1b[31mfailed\x1b[0m          0'), 'failed in red');
  assert.match(color, /\nfile {5}stopped {9}0/, 'stopped is not coloured');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping colour codes.
  assert.equal(color.replace(/\x1b\[[0-9;]*m/g, ''), plain);
});

test('renderStatus without a store error or counters', async () => {
  const s = snapshot({
    store: { stored: 1, queued: 0, queueDropped: 0, writeFailures: 0 },
    monitors: [
      {
        name: 'process',
        state: 'running',
        events: 1,
        kernelDrops: 0,
        decodeErrors: 0,
        eventsPerSecond: 1,
        attached: ['a'],
      },
    ],
  });
  const out = renderStatus(s, false, T);
  assert.match(out, /\nstore {6}1 stored, 0 queued, 0 dropped \(queue full\), 0 write failures\n/);
  assert.match(out, /\nprocess {2}running {9}1 {7}1 {13}0 {14}0 {2}a\n$/);
});

// ---- the status command ------------------------------------------------------

interface Run {
  out: string;
  err: string;
  exitCode: number | string | undefined;
}

async function runStatus(dir: string, extra: string[] = []): Promise<Run> {
  const r: Run = { out: '', err: '', exitCode: undefined };
  const out = new Writable({
    write(chunk, _enc, cb) {
      r.out += String(chunk);
      cb();
    },
  });
  const program = new Command('bpfwarden');
  program.exitOverride();
  registerStatusCommand(program, out);
  const saved = process.exitCode;
  const write = process.stderr.write;
  process.exitCode = undefined;
  process.stderr.write = ((s: string) => {
    r.err += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    await program.parseAsync(['status', '--runtime-dir', dir, ...extra], { from: 'user' });
    r.exitCode = process.exitCode;
  } finally {
    process.stderr.write = write;
    process.exitCode = saved;
  }
  return r;
}

test('status: a cleanly stopped agent is NOT RUNNING, exit code 1, last status shown', async (t) => {
  const dir = tempDir(t);
  const now = Date.now();
  writeStatus(dir, snapshot({ pid: process.pid, updatedAtMs: now, stoppedAtMs: T + 61_000 }));
  const r = await runStatus(dir);
  assert.equal(r.exitCode, 1);
  assert.ok(
    r.out.startsWith(
      'agent NOT RUNNING (stopped at 2026-11-22 10:01:01.000); last status below\nagent      pid ',
    ),
  );
  assert.match(r.out, /\nprocess {2}running/);
  assert.equal(r.err, '');
});

test('status: a live agent with a fresh status is running, no NOT RUNNING, exit code unset', async (t) => {
  const dir = tempDir(t);
  writeStatus(dir, snapshot({ pid: process.pid, startedAtMs: Date.now() - 5000, updatedAtMs: Date.now() }));
  const r = await runStatus(dir);
  assert.equal(r.exitCode, undefined);
  assert.ok(!r.out.includes('NOT RUNNING'), r.out);
  assert.ok(r.out.startsWith(`agent      pid ${process.pid}, up `));
  const json = await runStatus(dir, ['--json']);
  assert.equal(json.exitCode, undefined);
  const parsed = JSON.parse(json.out);
  assert.equal(parsed.running, true);
  assert.equal(parsed.pid, process.pid);
  assert.equal(parsed.monitors.length, 3);
});

test('status: a vanished pid, or a live one that stopped updating, is NOT RUNNING', async (t) => {
  const dir = tempDir(t);
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  writeStatus(dir, snapshot({ pid: dead, updatedAtMs: Date.now() }));
  const gone = await runStatus(dir);
  assert.equal(gone.exitCode, 1);
  assert.ok(gone.out.startsWith(`agent NOT RUNNING (pid ${dead} gone); last status below\n`), gone.out);
  assert.equal(JSON.parse((await runStatus(dir, ['--json'])).out).running, false);

  writeStatus(dir, snapshot({ pid: process.pid, updatedAtMs: Date.now() - 60_000 }));
  const stale = await runStatus(dir);
  assert.equal(stale.exitCode, 1);
  assert.ok(
    stale.out.startsWith(
      `agent NOT RUNNING (pid ${process.pid} has not updated its status for 60s); last status below\n`,
    ),
    stale.out,
  );
});

test('status: no status file says where it looked, exit code 1', async (t) => {
  const dir = tempDir(t);
  const r = await runStatus(dir);
  assert.equal(r.exitCode, 1);
  assert.equal(r.out, '');
  assert.equal(
    r.err,
    `bpfwarden: no agent status at ${dir}/status.json: is the agent running? (bpfwarden agent)\n`,
  );
});

// ---- the live status line ------------------------------------------------------

test('statusLine: the rate over the interval and lost totals', async () => {
  const prev: Totals = { events: 1000, stored: 900, kernelDrops: 1, queueDropped: 0, writeFailures: 0 };
  const now: Totals = { events: 1300, stored: 1250, kernelDrops: 5, queueDropped: 2, writeFailures: 0 };
  assert.equal(statusLine(now, prev, 3), 'bpfwarden: 100 events/s, stored 1250, lost 7 (kernel 5, queue 2)');
  assert.equal(statusLine(now, prev, 9), 'bpfwarden: 33 events/s, stored 1250, lost 7 (kernel 5, queue 2)');
  assert.equal(statusLine(now, prev, 0), 'bpfwarden: 0 events/s, stored 1250, lost 7 (kernel 5, queue 2)');
  assert.equal(
    statusLine({ ...now, writeFailures: 3 }, prev, 1),
    'bpfwarden: 300 events/s, stored 1250, lost 7 (kernel 5, queue 2), write failures 3',
  );
  const zero: Totals = { events: 0, stored: 0, kernelDrops: 0, queueDropped: 0, writeFailures: 0 };
  assert.equal(statusLine(zero, zero, 5), 'bpfwarden: 0 events/s, stored 0, lost 0 (kernel 0, queue 0)');
});
