import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsFamily } from '../../../../src/families/dns/index.ts';
import { cgroup2MountIn } from '../../../../src/host/cgroup.ts';

test('config: defaults, an optional cgroup path, unknown keys refused', () => {
  assert.deepEqual(dnsFamily.monitorConfig.parse(undefined), { enabled: true, ringBufferBytes: 1 << 20 });
  assert.equal(dnsFamily.monitorConfig.parse({ cgroupPath: 'system.slice' }).cgroupPath, 'system.slice');
  assert.equal(dnsFamily.monitorConfig.safeParse({ cgroupPath: '' }).success, false);
  assert.equal(dnsFamily.monitorConfig.safeParse({ port: 53 }).success, false);
});

test('the cgroup v2 mount is found among the mounts, not assumed', () => {
  const hybrid = new Map([
    ['/sys/fs/cgroup', 'tmpfs'],
    ['/sys/fs/cgroup/cpu', 'cgroup'],
    ['/sys/fs/cgroup/unified', 'cgroup2'],
  ]);
  assert.equal(cgroup2MountIn(hybrid), '/sys/fs/cgroup/unified');
  assert.equal(cgroup2MountIn(new Map([['/sys/fs/cgroup', 'cgroup2']])), '/sys/fs/cgroup');
  assert.equal(cgroup2MountIn(new Map([['/mnt/my\\040cgroups', 'cgroup2']])), '/mnt/my cgroups');
  assert.equal(cgroup2MountIn(new Map([['/sys/fs/cgroup/cpu', 'cgroup']])), undefined);
});
