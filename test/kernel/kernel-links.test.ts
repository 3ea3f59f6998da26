/**
 * `bpfwarden kernel links` names what each link attaches to: a tracepoint
 * link (a perf event) its tracepoint, a raw tracepoint link its name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BootClock } from '../../src/domain/clock.ts';
import { isErr } from '../../src/ebpf/bridge.ts';
import { Kernel, nativeBridge } from '../../src/ebpf/index.ts';
import { dropMonitor } from '../../src/families/drop/monitor.ts';
import { processMonitor } from '../../src/families/process/monitor.ts';
import type { RingMonitor } from '../../src/families/ring-monitor.ts';
import { cli } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';

interface LinkRow {
  id: number;
  typeName: string;
  progId: number;
  target: string;
}

describe('kernel links', { skip: kernelSkip }, () => {
  const bridge = nativeBridge();
  const kernel = new Kernel(bridge);
  const clock = new BootClock(kernel.bootOffsetNs());
  let drop: RingMonitor;
  let proc: RingMonitor;

  before(() => {
    drop = dropMonitor({ clock, ringBufferBytes: 1 << 16, maxEventsPerSecond: 1 }, { bridge, kernel });
    drop.start(() => {});
    proc = processMonitor({ clock, ringBufferBytes: 1 << 16 }, { bridge, kernel });
    proc.start(() => {});
  });

  after(() => {
    drop?.stop();
    proc?.stop();
  });

  const progIds = (m: RingMonitor): Map<number, string> => {
    const out = new Map<number, string>();
    for (const p of m.object?.programs ?? []) {
      const info = bridge.infoByFd('prog', p.fd);
      if (!isErr(info)) out.set(info.id, p.section);
    }
    return out;
  };

  const links = (): LinkRow[] => {
    const r = cli(['kernel', 'links', '--json']);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LinkRow);
  };

  test('a tracepoint link shows its tracepoint, not "-"', () => {
    const ids = progIds(drop);
    assert.equal(ids.size, 1);
    const mine = links().filter((l) => ids.has(l.progId));
    assert.deepEqual(
      mine.map((l) => [l.typeName, l.target]),
      [['perf_event', 'tracepoint kfree_skb']],
    );
    const table = cli(['kernel', 'links']).stdout;
    const row = table.split('\n').find((line) => line.startsWith(`${mine[0]?.id} `));
    assert.match(row ?? '', /perf_event\s+\d+\s+tracepoint kfree_skb$/);
  });

  test('raw tracepoint links show their names', () => {
    const ids = progIds(proc);
    const mine = links().filter((l) => ids.has(l.progId));
    assert.deepEqual(mine.map((l) => l.target).sort(), [
      'sched_process_exec',
      'sched_process_exit',
      'sched_process_fork',
    ]);
  });
});
