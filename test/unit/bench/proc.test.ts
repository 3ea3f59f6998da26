import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CLK_TCK,
  cpuSeconds,
  parseHostCpu,
  parseStatCpuSeconds,
  parseStatusMemory,
  steadyValue,
} from '../../../bench/lib/proc.ts';

test('utime + stime from /proc/<pid>/stat, even with spaces and parentheses in comm', () => {
  const stat = '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 11 0 1234';
  assert.equal(parseStatCpuSeconds(stat), 400 / CLK_TCK);
});

test('VmRSS and VmHWM from /proc/<pid>/status', () => {
  const m = parseStatusMemory('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n');
  assert.deepEqual(m, { rssKiB: 102400, hwmKiB: 204800 });
});

test('host CPU: busy excludes idle and iowait', () => {
  const h = parseHostCpu('cpu  100 0 50 800 30 5 15 0 0 0\ncpu0 1 2 3\n');
  assert.equal(h.total, 1000 / CLK_TCK);
  assert.equal(h.busy, 170 / CLK_TCK);
});

test('steady value is the median of the last half of the samples', () => {
  assert.equal(steadyValue([10, 500, 100, 102, 98]), 100);
  assert.equal(steadyValue([]), null);
});

test('this process has CPU time; a missing pid has none', () => {
  assert.ok((cpuSeconds(process.pid) ?? -1) >= 0);
  assert.equal(cpuSeconds(2 ** 30), null);
});
