import assert from 'node:assert/strict';
import { test } from 'node:test';

process.env.TZ = 'UTC'; // local-time formatting under test; set before any Date use

const { eventDetails, eventRow, formatDuration, formatLocalTime } = await import(
  '../../../src/cli/format/event-row.ts'
);
const { shellQuote, signalName } = await import('../../../src/families/process/details.ts');

const base = { id: 1, timeUs: Date.UTC(2026, 10, 22, 10, 5, 7, 89) * 1000 + 999, pid: 7, tid: 7, ppid: 1 };
const common = { ...base, uid: 0, gid: 0, cgroupId: 1, comm: 'sh' };

test('time is local YYYY-MM-DD HH:MM:SS.mmm, truncated to milliseconds', () => {
  assert.equal(formatLocalTime(common.timeUs), '2026-11-22 10:05:07.089');
  assert.equal(formatLocalTime(0), '1970-01-01 00:00:00.000');
});

test('exec details: filename then arguments, quoted when needed, … when truncated', () => {
  const exec = {
    ...common,
    type: 'exec' as const,
    filename: '/bin/echo',
    argv: ['echo', 'plain', 'two words', "it's", ''],
    argc: 5,
    argsTruncated: false,
    filenameTruncated: false,
    oldPid: 7,
  };
  assert.equal(eventDetails(exec), `/bin/echo plain 'two words' 'it'\\''s' ''`);
  assert.equal(eventDetails({ ...exec, argv: ['echo'], argc: 9, argsTruncated: true }), '/bin/echo …');
  assert.equal(eventDetails({ ...exec, argv: [], argc: 0, filenameTruncated: true }), '/bin/echo…');
  assert.deepEqual(eventRow(exec), [
    '2026-11-22 10:05:07.089',
    'exec',
    '7',
    '1',
    '0',
    'sh',
    eventDetails(exec),
  ]);
});

test('fork and exit details', () => {
  assert.equal(eventDetails({ ...common, type: 'fork', childPid: 99 }), 'child=99');
  const exit = {
    ...common,
    type: 'exit' as const,
    exitCode: 0,
    signal: null,
    coreDumped: false,
    lifetimeNs: 1.5e9,
  };
  assert.equal(eventDetails(exit), 'code=0 lifetime=1.50s');
  assert.equal(
    eventDetails({ ...exit, exitCode: null, signal: 11, coreDumped: true, lifetimeNs: 2_500 }),
    'signal=SIGSEGV core lifetime=3µs',
  );
  assert.equal(
    eventDetails({ ...exit, exitCode: null, signal: 9, lifetimeNs: 3_723e9 }),
    'signal=SIGKILL lifetime=1h02m',
  );
});

test('signal names come from the platform, with aliases and realtime signals handled', () => {
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(signalName(6), 'SIGABRT');
  assert.equal(signalName(15), 'SIGTERM');
  assert.equal(signalName(34), 'SIGRTMIN');
  assert.equal(signalName(40), 'SIGRTMIN+6');
  assert.equal(signalName(200), '200');
});

test('durations read naturally at every scale', () => {
  assert.equal(formatDuration(500), '500ns');
  assert.equal(formatDuration(12_500_000), '12.5ms');
  assert.equal(formatDuration(245e9), '4m05s');
  assert.equal(formatDuration(3 * 86400e9 + 4 * 3600e9), '3d04h');
});

test('shellQuote leaves plain words alone', () => {
  assert.equal(shellQuote('--flag=a/b.c'), '--flag=a/b.c');
  assert.equal(shellQuote('$HOME'), `'$HOME'`);
});
