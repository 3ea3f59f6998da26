import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  descendants,
  parseProcStat,
  parseSmapsRollup,
  peakPssMiB,
  processLabel,
  type TreeSample,
  treeSample,
  treeWindow,
  verdict,
} from '../../../bench/lib/tree.ts';

const ROLLUP = `55d0c5a4e000-7ffd8f1e5000 ---p 00000000 00:00 0                          [rollup]
Rss:              143808 kB
Pss:               98765 kB
Pss_Dirty:         80123 kB
Pss_Anon:          79001 kB
Pss_File:          19764 kB
Pss_Shmem:             0 kB
Shared_Clean:      40000 kB
Shared_Dirty:       2000 kB
Private_Clean:     21000 kB
Private_Dirty:     80808 kB
Referenced:       143808 kB
Anonymous:         79001 kB
Swap:                  0 kB
SwapPss:               0 kB
`;

test('parseSmapsRollup: Pss, Rss and Private_Dirty, not the Pss_* lines', () => {
  assert.deepEqual(parseSmapsRollup(ROLLUP), { pssKiB: 98765, rssKiB: 143808, privateDirtyKiB: 80808 });
  assert.throws(() => parseSmapsRollup('Rss: 1 kB\n'), /no Pss line/);
});

// A comm with a space and a parenthesis; ppid 4242, utime 250, stime 50, cutime 30, cstime 20 ticks.
const STAT =
  '6782 (node (runner) x) S 4242 6765 4242 0 -1 4194560 12345 0 0 0 250 50 30 20 20 0 11 0 98765 1234567 30000 18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0';

test('parseProcStat: pid, comm with parentheses, ppid, own and waited-for children CPU', () => {
  const s = parseProcStat(STAT);
  assert.equal(s.pid, 6782);
  assert.equal(s.comm, 'node (runner) x');
  assert.equal(s.ppid, 4242);
  assert.equal(s.cpuSeconds, 3);
  assert.equal(s.childrenCpuSeconds, 0.5);
  assert.throws(() => parseProcStat('garbage'), /format/);
});

test('descendants: the root, children and grandchildren; not siblings or the parent', () => {
  const parents = new Map([
    [1, 0],
    [100, 1], // root
    [101, 100],
    [102, 100],
    [103, 101], // grandchild
    [200, 1], // sibling of the root
    [201, 200],
  ]);
  assert.deepEqual(
    descendants(100, parents).sort((a, b) => a - b),
    [100, 101, 102, 103],
  );
  assert.deepEqual(descendants(999, parents), [999], 'a root with no children is the tree');
});

test('processLabel: the script node runs, else the command, else comm', () => {
  assert.equal(
    processLabel(
      '/w/node_modules/node/bin/node\0--max-semi-space-size=4\0/w/dist/src/cli/main.js\0agent\0--config\0/tmp/a.yaml\0',
      'MainThread',
    ),
    'main.js',
  );
  assert.equal(
    processLabel(
      '/w/node\0--max-semi-space-size=2\0/w/dist/src/agent/detection/runner-child.js\0/tmp/db\0',
      'x',
    ),
    'runner-child.js',
  );
  assert.equal(processLabel('/usr/sbin/bpftool\0prog\0show\0', 'bpftool'), 'bpftool');
  assert.equal(processLabel('', 'kworker'), 'kworker');
});

const stat = (pid: number, ppid: number, cpu: number, children = 0) => ({
  pid,
  comm: 'node',
  ppid,
  cpuSeconds: cpu,
  childrenCpuSeconds: children,
});
const roll = (pssKiB: number, rssKiB: number) => ({ pssKiB, rssKiB, privateDirtyKiB: pssKiB / 2 });

test('treeSample: PSS and RSS summed over members; CPU counts exited children once', () => {
  // Agent 100 with a rule runner 101 that has used 2 s.
  const a = treeSample(
    0,
    100,
    [stat(100, 1, 10), stat(101, 100, 2)],
    new Map([
      [100, roll(60_000, 90_000)],
      [101, roll(30_000, 70_000)],
    ]),
  );
  assert.ok(a);
  assert.equal(a.pssKiB, 90_000);
  assert.equal(a.rssKiB, 160_000);
  assert.equal(a.cpuSeconds, 12);
  assert.equal(a.agentCpuSeconds, 10);
  // The runner exited after 3 s in all (reaped: its time is in the agent's cutime); a new one started.
  const b = treeSample(
    10,
    100,
    [stat(100, 1, 11, 3), stat(102, 100, 0.5)],
    new Map([[100, roll(60_000, 90_000)]]),
    new Map([[100, 'main.js']]),
  );
  assert.ok(b);
  assert.equal(b.cpuSeconds, 11 + 3 + 0.5);
  assert.equal(b.pssKiB, 60_000, 'a member without a rollup (exited meanwhile) adds no memory');
  assert.deepEqual(b.members, { 100: 'main.js', 102: 'node' });
  assert.equal(treeSample(0, 100, [stat(101, 100, 1)], new Map()), null, 'root gone: no sample');
});

function sample(t: number, pssMiB: number, cpu: number, agentCpu: number, pids = [1]): TreeSample {
  return {
    t,
    pssKiB: pssMiB * 1024,
    rssKiB: pssMiB * 2048,
    privateDirtyKiB: pssMiB * 512,
    cpuSeconds: cpu,
    agentCpuSeconds: agentCpu,
    members: Object.fromEntries(pids.map((p) => [p, 'node'])),
  };
}

test('treeWindow: median, max, slope per minute and CPU % of one core within the window only', () => {
  const samples = [
    sample(0, 500, 0, 0), // before the window: ignored
    ...Array.from({ length: 61 }, (_, i) =>
      sample(10 + i, 80 + (i % 2 ? 1 : -1), 10 + i * 0.05, 10 + i * 0.03, [1, i < 30 ? 2 : 3]),
    ),
    sample(100, 500, 99, 99), // after
  ];
  const w = treeWindow(samples, 10, 70);
  assert.equal(w.samples, 61);
  assert.equal(w.seconds, 60);
  assert.equal(w.pssMaxMiB, 81);
  assert.equal(w.pssMedianMiB, 79, '31 samples at 79, 30 at 81');
  assert.ok(Math.abs(w.pssSlopeMiBPerMin ?? 99) < 0.1, `flat: ${w.pssSlopeMiBPerMin}`);
  assert.ok(Math.abs((w.cpuPercent ?? 0) - 5) < 1e-9);
  assert.ok(Math.abs((w.agentCpuPercent ?? 0) - 3) < 1e-9);
  assert.ok(Math.abs((w.childrenCpuPercent ?? 0) - 2) < 1e-9);
  assert.equal(w.rssMedianMiB, 158);
  assert.equal(w.maxMembers, 2);
  assert.equal(w.distinctPids, 3);

  const rising = treeWindow(
    Array.from({ length: 31 }, (_, i) => sample(i * 2, 100 + i, i, i)),
    0,
    60,
  );
  assert.ok(Math.abs((rising.pssSlopeMiBPerMin ?? 0) - 30) < 1e-9, '1 MiB every 2 s = 30 MiB/min');
  // A ramp to load, then flat: the whole window slopes, its second half does not.
  const ramp = treeWindow(
    Array.from({ length: 61 }, (_, i) => sample(i, Math.min(150 + i * 2, 190), i, i)),
    0,
    60,
  );
  assert.ok((ramp.pssSlopeMiBPerMin ?? 0) > 20, `ramp: ${ramp.pssSlopeMiBPerMin}`);
  assert.equal(ramp.pssSlopeLateMiBPerMin, 0);

  const empty = treeWindow([], 0, 10);
  assert.equal(empty.pssMedianMiB, null);
  assert.equal(empty.cpuPercent, null);
});

test('peakPssMiB and verdict', () => {
  assert.equal(peakPssMiB([sample(0, 70, 0, 0), sample(1, 90, 0, 0), sample(2, 80, 0, 0)]), 90);
  assert.equal(peakPssMiB([]), null);
  assert.equal(verdict(79.9, 80), 'met');
  assert.equal(verdict(80, 80), 'met');
  assert.equal(verdict(112.34, 100), 'over by 12.3');
  assert.equal(verdict(6.5, 5, 2), 'over by 1.50');
  assert.equal(verdict(null, 5), '–');
});
