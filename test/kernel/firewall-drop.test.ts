/** The XDP firewall in the running kernel: real packets between namespaces, dropped and passed by rule. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildFlood, type FwNet, type FwSandbox, fwNet, fwSandbox, udpReceiver } from '../support/fw-net.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually } from '../support/spawn.ts';

const ruleStats = (sb: FwSandbox, id: number): { packets: number; bytes: number } => {
  const r = sb.svc.status().rules.find((x) => x.rule.id === id);
  assert.ok(r, `rule ${id} is listed`);
  return { packets: r.packets ?? -1, bytes: r.bytes ?? -1 };
};

describe('firewall drops and passes by rule', { skip: kernelSkip }, () => {
  let net: FwNet;
  let sb: FwSandbox;

  before(() => {
    buildFlood();
    net = fwNet();
    sb = fwSandbox();
  });

  after(() => {
    sb?.cleanup();
    net?.cleanup();
  });

  test('attach loads, pins and reports the XDP mode', () => {
    const a = sb.svc.attach(net.host, 'auto');
    assert.ok(a.mode === 'drv' || a.mode === 'skb', `mode ${a.mode}`);
    assert.equal(sb.svc.interfaces()[0]?.attachedMode, a.mode);
    const s = sb.svc.status();
    assert.equal(s.loaded, true);
    assert.equal(s.interfaces[0]?.link.attached, true);
  });

  test('IPv4: a dropped source sees nothing delivered and its rule counts every packet; another source passes', async () => {
    const [blocked, allowed] = net.peer4;
    sb.svc.addRule({ id: 1, action: 'drop', src: `${blocked}/32` });
    const rx = await udpReceiver('udp4', net.host4);
    try {
      const args = ['--dst', net.host4, '--port', String(rx.port), '--count', '300', '--rate', '3000'];
      const b = await net.floodAsync([...args, '--src', blocked!]);
      const a = await net.floodAsync([...args, '--src', allowed!]);
      assert.equal(b.sent, 300);
      assert.equal(a.sent, 300);
      await eventually('the allowed source delivered', () => (rx.from(allowed!) === 300 ? true : undefined));
      assert.equal(rx.from(blocked!), 0, 'nothing from the dropped source');
      // Ethernet 14 + IPv4 20 + UDP 8 + 18 bytes of payload.
      assert.deepEqual(ruleStats(sb, 1), { packets: 300, bytes: 300 * 60 });
      assert.ok((sb.svc.counters()?.ruleDropped ?? 0) >= 300);
    } finally {
      await rx.close();
    }
  });

  test('IPv4: a destination port rule drops one port and not another', async () => {
    const [, src] = net.peer4;
    const rx = await udpReceiver('udp4', net.host4);
    const other = await udpReceiver('udp4', net.host4);
    try {
      sb.svc.addRule({
        id: 2,
        action: 'drop',
        protocol: 'udp',
        dst: `${net.host4}/32`,
        dport: String(rx.port),
      });
      await net.floodAsync([
        '--src',
        src!,
        '--dst',
        net.host4,
        '--port',
        String(rx.port),
        '--count',
        '50',
        '--rate',
        '2000',
      ]);
      await net.floodAsync([
        '--src',
        src!,
        '--dst',
        net.host4,
        '--port',
        String(other.port),
        '--count',
        '50',
        '--rate',
        '2000',
      ]);
      await eventually('the other port received', () => (other.from(src!) === 50 ? true : undefined));
      assert.equal(rx.from(src!), 0);
      assert.equal(ruleStats(sb, 2).packets, 50);
    } finally {
      await rx.close();
      await other.close();
    }
  });

  test('IPv6: drop by prefix, and a higher-priority pass rule inside it lets one address through', async () => {
    const [a, b] = net.peer6; // ::2 and ::3, both in ::2/127
    sb.svc.addRule({ id: 10, priority: 100, action: 'drop', src: `${a}/127` });
    sb.svc.addRule({ id: 11, priority: 50, action: 'pass', src: `${b}/128` });
    const rx = await udpReceiver('udp6', net.host6);
    try {
      const args = ['--dst', net.host6, '--port', String(rx.port), '--count', '200', '--rate', '3000'];
      await net.floodAsync([...args, '--src', a!]);
      await net.floodAsync([...args, '--src', b!]);
      await eventually('the passed address delivered', () => (rx.from(b!) === 200 ? true : undefined));
      assert.equal(rx.from(a!), 0);
      // Ethernet 14 + IPv6 40 + UDP 8 + 18.
      assert.deepEqual(ruleStats(sb, 10), { packets: 200, bytes: 200 * 80 });
      assert.deepEqual(ruleStats(sb, 11), { packets: 200, bytes: 200 * 80 });
    } finally {
      await rx.close();
    }
  });

  test('removing a rule lets its source through again; its counter goes with it', async () => {
    const [blocked] = net.peer4;
    sb.svc.removeRule(1);
    const rx = await udpReceiver('udp4', net.host4);
    try {
      await net.floodAsync([
        '--src',
        blocked!,
        '--dst',
        net.host4,
        '--port',
        String(rx.port),
        '--count',
        '40',
        '--rate',
        '2000',
      ]);
      await eventually('the formerly dropped source delivered', () =>
        rx.from(blocked!) === 40 ? true : undefined,
      );
      assert.equal(
        sb.svc.status().rules.some((r) => r.rule.id === 1),
        false,
      );
    } finally {
      await rx.close();
    }
  });
});
