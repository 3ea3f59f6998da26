import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkTarget } from '../../../src/ebpf/kernel-objects.ts';

test('link targets: perf event tracepoints and probes, raw tracepoints, cgroups, interfaces', () => {
  const base = { id: 1, type: 7, progId: 2 };
  assert.equal(
    linkTarget({ ...base, perfEvent: 'tracepoint', tracepoint: 'kfree_skb' }),
    'tracepoint kfree_skb',
  );
  assert.equal(
    linkTarget({ ...base, perfEvent: 'uprobe', probe: '/usr/lib/libssl.so.3', probeOffset: 0x3a10 }),
    'uprobe /usr/lib/libssl.so.3+0x3a10',
  );
  assert.equal(
    linkTarget({ ...base, perfEvent: 'kretprobe', probe: 'tcp_v4_connect', probeOffset: 0 }),
    'kretprobe tcp_v4_connect',
  );
  assert.equal(linkTarget({ ...base, perfEvent: 'uprobe' }), '', 'a kernel that gives no name: unknown');
  assert.equal(linkTarget({ ...base, type: 2, tracepoint: 'sched_process_exec' }), 'sched_process_exec');
  assert.equal(linkTarget({ ...base, type: 6, ifindex: 3 }), 'ifindex 3');
});
