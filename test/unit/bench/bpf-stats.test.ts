import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBpftoolProgs, parseFdinfoProgId, progDelta } from '../../../bench/lib/bpf-stats.ts';

test('prog_id from a bpf-prog fdinfo; nothing from other fds', () => {
  const fdinfo = 'pos:\t0\nflags:\t02000002\nprog_type:\t5\nprog_jited:\t1\nprog_id:\t77\nrun_time_ns:\t10\n';
  assert.equal(parseFdinfoProgId(fdinfo), 77);
  assert.equal(parseFdinfoProgId('pos:\t0\nflags:\t02\nmnt_id:\t15\n'), undefined);
});

test('bpftool JSON: counters default to 0 when stats were off', () => {
  const progs = parseBpftoolProgs(
    JSON.stringify([
      { id: 5, name: 'handle_exec', run_time_ns: 1000, run_cnt: 4, recursion_misses: 1 },
      { id: 6, name: 'handle_exit' },
      { name: 'no id' },
    ]),
  );
  assert.deepEqual(progs, [
    { id: 5, name: 'handle_exec', runCnt: 4, runTimeNs: 1000, recursionMisses: 1 },
    { id: 6, name: 'handle_exit', runCnt: 0, runTimeNs: 0, recursionMisses: 0 },
  ]);
});

test('deltas per program name, summed over instances, costliest first', () => {
  const p = (id: number, name: string, runCnt: number, runTimeNs: number) => ({
    id,
    name,
    runCnt,
    runTimeNs,
    recursionMisses: 0,
  });
  const before = [p(1, 'a', 10, 1000), p(2, 'b', 0, 0)];
  const after = [p(1, 'a', 20, 3000), p(2, 'b', 5, 500), p(3, 'b', 5, 500)];
  assert.deepEqual(progDelta(before, after), [
    { name: 'a', runCnt: 10, runTimeNs: 2000, recursionMisses: 0, avgNs: 200 },
    { name: 'b', runCnt: 10, runTimeNs: 1000, recursionMisses: 0, avgNs: 100 },
  ]);
});
