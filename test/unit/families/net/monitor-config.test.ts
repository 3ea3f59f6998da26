import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../../src/agent/config.ts';
import { BootClock } from '../../../../src/domain/clock.ts';
import { Kernel, type NativeBridge } from '../../../../src/ebpf/index.ts';
import { netFamily } from '../../../../src/families/net/index.ts';
import { NET_MAX_EXCLUDED_PIDS, netMonitor } from '../../../../src/families/net/monitor.ts';

test('config: defaults, and what is refused', () => {
  assert.deepEqual(netFamily.monitorConfig.parse(undefined), {
    enabled: true,
    ringBufferBytes: 4 << 20,
    excludeSelf: true,
  });
  assert.equal(netFamily.monitorConfig.parse({ excludeSelf: false }).excludeSelf, false);
  assert.equal(netFamily.monitorConfig.safeParse({ ringBufferBytes: 5000 }).success, false);
  assert.equal(netFamily.monitorConfig.safeParse({ excludeSelf: 'yes' }).success, false);
  assert.equal(netFamily.monitorConfig.safeParse({ ports: [22] }).success, false, 'unknown keys');
});

test('the agent config holds monitors.net', () => {
  assert.equal(parseConfig({}).monitors.net.enabled, true);
  assert.equal(parseConfig({ monitors: { net: { enabled: false } } }).monitors.net.enabled, false);
  assert.throws(() => parseConfig({ monitors: { net: { bogus: 1 } } }), /monitors\.net\.bogus/);
});

test('too many excluded pids are refused before anything loads', () => {
  const bridge = {} as NativeBridge; // never called: the check comes first
  assert.throws(
    () =>
      netMonitor(
        {
          clock: new BootClock(0n),
          ringBufferBytes: 1 << 20,
          excludePids: Array.from({ length: NET_MAX_EXCLUDED_PIDS + 1 }, (_, i) => i + 1),
        },
        { bridge, kernel: new Kernel(bridge) },
      ),
    (err: Error & { code?: string }) => err.code === 'AGENT_NET_FILTER',
  );
});
