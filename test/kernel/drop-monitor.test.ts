/** The packet drop monitor in the running kernel: real drops of our own packets, their reasons. */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { statSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BootClock } from '../../src/domain/clock.ts';
import { Kernel, nativeBridge } from '../../src/ebpf/index.ts';
import type { DropEvent } from '../../src/families/drop/events.ts';
import { dropMonitor } from '../../src/families/drop/monitor.ts';
import type { BpfEvent } from '../../src/families/events.ts';
import { selfExclusion } from '../../src/families/exclusion.ts';
import type { RingMonitor } from '../../src/families/ring-monitor.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, sleep } from '../support/spawn.ts';

type Family = 'udp4' | 'udp6';

/** A port nothing listens on: bound, then released (the kernel does not hand it out again at once). */
async function closedUdpPort(type: Family, host: string): Promise<number> {
  const s = dgram.createSocket(type);
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function freeTcpPort(host: string): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, host, resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Sends `count` datagrams to host:port from a fresh port on `from`; returns that port. */
async function sendUdp(
  type: Family,
  host: string,
  port: number,
  count: number,
  size = 24,
  from = host,
): Promise<number> {
  const s = dgram.createSocket(type);
  // ICMP port unreachable comes back as an error on the socket: expected, ignore it.
  s.on('error', () => {});
  await new Promise<void>((resolve) => s.bind(0, from, resolve));
  const src = s.address().port;
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) =>
      s.send(randomBytes(size), port, host, (err) => (err ? reject(err) : resolve())),
    );
  }
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return src;
}

const netnsInode = (path: string): number => statSync(path).ino;

describe('drop monitor', { skip: kernelSkip }, () => {
  const events: BpfEvent[] = [];
  let monitor: RingMonitor;
  let kernel: Kernel;

  before(() => {
    const bridge = nativeBridge();
    kernel = new Kernel(bridge);
    monitor = dropMonitor(
      { clock: new BootClock(kernel.bootOffsetNs()), ringBufferBytes: 1 << 22, maxEventsPerSecond: 100_000 },
      { bridge, kernel },
    );
    monitor.start((batch) => events.push(...batch));
  });

  after(() => monitor?.stop());

  const drops = (pred: (e: DropEvent) => boolean): DropEvent[] =>
    events.filter((e): e is DropEvent => e.type === 'drop' && pred(e));

  test('UDP to a closed IPv4 loopback port: NO_SOCKET with addresses, ports, interface and location', async () => {
    const before = Date.now() * 1000;
    const dport = await closedUdpPort('udp4', '127.0.0.1');
    const sport = await sendUdp('udp4', '127.0.0.1', dport, 3, 24);
    const mine = (e: DropEvent): boolean => e.sport === sport && e.dport === dport && e.l4Proto === 17;
    await eventually('3 drops of our datagrams', () => (drops(mine).length >= 3 ? true : undefined));
    const got = drops(mine);
    assert.equal(got.length, 3, 'one drop per datagram');
    const e = got[0]!;
    const noSocket = [...(kernel.enumValues('skb_drop_reason') ?? [])].find(
      ([, n]) => n === 'SKB_DROP_REASON_NO_SOCKET',
    );
    assert.ok(noSocket, 'the kernel names SKB_DROP_REASON_NO_SOCKET');
    assert.equal(e.reason, noSocket[0]);
    assert.equal(e.reasonName, 'NO_SOCKET');
    assert.equal(e.protocol, 0x0800);
    assert.equal(e.ipVersion, 4);
    assert.equal(e.saddr, '127.0.0.1');
    assert.equal(e.daddr, '127.0.0.1');
    assert.equal(e.icmpType, null);
    assert.equal(e.ifname, 'lo');
    assert.equal(e.ifindex, 1);
    assert.equal(e.netns, netnsInode('/proc/self/ns/net'));
    assert.match(e.location, /^0xffff[0-9a-f]{12}$/, 'a kernel text address');
    // The drop happens after the IP header was pulled: UDP header + payload, or the whole IP packet.
    assert.ok([8 + 24, 20 + 8 + 24].includes(e.len), `skb len ${e.len}`);
    assert.ok(
      e.timeUs >= before - 5_000_000 && e.timeUs <= Date.now() * 1000 + 5_000_000,
      'time is near now',
    );
  });

  test('UDP to a closed IPv6 loopback port: NO_SOCKET with IPv6 addresses', async () => {
    const dport = await closedUdpPort('udp6', '::1');
    const sport = await sendUdp('udp6', '::1', dport, 1);
    const e = await eventually(
      'drop of our IPv6 datagram',
      () => drops((x) => x.sport === sport && x.dport === dport && x.ipVersion === 6)[0],
    );
    assert.equal(e.reasonName, 'NO_SOCKET');
    assert.equal(e.protocol, 0x86dd);
    assert.equal(e.l4Proto, 17);
    assert.equal(e.saddr, '::1');
    assert.equal(e.daddr, '::1');
    assert.equal(e.ifname, 'lo');
  });

  test('TCP SYN to a closed port: NO_SOCKET with the client port we chose', async () => {
    const dport = await freeTcpPort('127.0.0.1');
    const sport = await freeTcpPort('127.0.0.1');
    const refused = await new Promise<string>((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port: dport, localAddress: '127.0.0.1', localPort: sport });
      c.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      c.on('connect', () => {
        c.destroy();
        resolve('connected');
      });
    });
    assert.equal(refused, 'ECONNREFUSED');
    const e = await eventually(
      'drop of our SYN',
      () => drops((x) => x.sport === sport && x.dport === dport && x.l4Proto === 6)[0],
    );
    assert.equal(e.reasonName, 'NO_SOCKET');
    assert.equal(e.saddr, '127.0.0.1');
    assert.equal(e.daddr, '127.0.0.1');
  });

  test('a drop inside another network namespace names its veth interface and namespace', async () => {
    const ns = `bwdrop${process.pid}`;
    const host = `bwd${process.pid % 100000}h`;
    const peer = `bwd${process.pid % 100000}p`;
    const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
    try {
      ip('netns', 'add', ns);
      ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
      ip('link', 'set', peer, 'netns', ns);
      ip('addr', 'add', '10.251.7.1/30', 'dev', host);
      ip('link', 'set', host, 'up');
      ip('-n', ns, 'addr', 'add', '10.251.7.2/30', 'dev', peer);
      ip('-n', ns, 'link', 'set', peer, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      const ifindex = Number(/^(\d+):/.exec(ip('-n', ns, '-o', 'link', 'show', peer))?.[1]);
      const dport = 40_000 + (process.pid % 20_000);
      // The first datagram may wait for ARP; send a few, then look for ours.
      const sport = await sendUdp('udp4', '10.251.7.2', dport, 3, 24, '10.251.7.1');
      const e = await eventually(
        'drop in the namespace',
        () => drops((x) => x.sport === sport && x.dport === dport && x.daddr === '10.251.7.2')[0],
      );
      assert.equal(e.reasonName, 'NO_SOCKET');
      assert.equal(e.saddr, '10.251.7.1');
      assert.equal(e.ifname, peer);
      assert.equal(e.ifindex, ifindex);
      assert.equal(e.netns, netnsInode(`/run/netns/${ns}`));
      assert.notEqual(e.netns, netnsInode('/proc/self/ns/net'));
    } finally {
      try {
        ip('link', 'del', host);
      } catch {
        // Gone with the namespace, or never created.
      }
      try {
        ip('netns', 'del', ns);
      } catch {
        // Never created.
      }
    }
  });

  test('status: events counted, no kernel drops, suppressed counter present', () => {
    const s = monitor.status();
    assert.equal(s.state, 'running');
    assert.ok(s.events >= events.length);
    assert.equal(s.kernelDrops, 0);
    assert.equal(s.decodeErrors, 0);
    assert.deepEqual(s.attached, ['tp/skb/kfree_skb']);
    assert.equal(typeof s.counters?.suppressed, 'number');
  });
});

// Sends datagrams to a closed loopback port from a node process: argv port, count.
const SENDER = `const s = require('node:dgram').createSocket('udp4');
s.on('error', () => {});
s.bind(0, '127.0.0.1', async () => {
  const [port, n] = process.argv.slice(1).map(Number);
  for (let i = 0; i < n; i++) await new Promise((r) => s.send(Buffer.alloc(16), port, '127.0.0.1', r));
  console.log(s.address().port);
  s.close();
});`;

function runSender(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, stdout) => (err ? reject(err) : resolve(Number(stdout.trim()))));
  });
}

describe('drop monitor: excludeSelf', { skip: kernelSkip }, () => {
  test("excludeSelf: this process's drops and its children's are not reported; a grandchild's are", async () => {
    const bridge = nativeBridge();
    const kernel = new Kernel(bridge);
    const events: BpfEvent[] = [];
    const m = dropMonitor(
      {
        clock: new BootClock(kernel.bootOffsetNs()),
        ringBufferBytes: 1 << 20,
        maxEventsPerSecond: 0,
        ...selfExclusion(true),
      },
      { bridge, kernel },
    );
    m.start((batch) => events.push(...batch));
    try {
      const dport = await closedUdpPort('udp4', '127.0.0.1');
      const mine = (sport: number) =>
        events.filter((e): e is DropEvent => e.type === 'drop' && e.sport === sport && e.dport === dport);
      const self = await sendUdp('udp4', '127.0.0.1', dport, 3);
      // A direct child, like the agent's rule runner.
      const child = await runSender(process.execPath, ['-e', SENDER, String(dport), '3']);
      // '; true' keeps the shell from exec'ing node in its place: node is a grandchild.
      const grandchild = await runSender('/bin/sh', [
        '-c',
        `"${process.execPath}" -e "$0" ${dport} 3; true`,
        SENDER,
      ]);
      await eventually('the grandchild drops', () => (mine(grandchild).length >= 3 ? true : undefined));
      assert.notEqual(mine(grandchild)[0]?.pid, process.pid);
      assert.deepEqual(mine(self), [], 'no drop of this process');
      assert.deepEqual(mine(child), [], 'no drop of its child');
    } finally {
      m.stop();
    }
  });
});

describe('drop monitor rate limit', { skip: kernelSkip }, () => {
  test('beyond maxEventsPerSecond drops are counted as suppressed, not reported', async () => {
    const bridge = nativeBridge();
    const kernel = new Kernel(bridge);
    const events: BpfEvent[] = [];
    // One record per second per CPU at most.
    const m = dropMonitor(
      {
        clock: new BootClock(kernel.bootOffsetNs()),
        ringBufferBytes: 1 << 16,
        maxEventsPerSecond: kernel.possibleCpus(),
      },
      { bridge, kernel },
    );
    m.start((batch) => events.push(...batch));
    try {
      const sent = 60;
      const dport = await closedUdpPort('udp4', '127.0.0.1');
      const sport = await sendUdp('udp4', '127.0.0.1', dport, sent, 8);
      await sleep(200);
      const seen = events.filter((e) => e.type === 'drop' && e.sport === sport && e.dport === dport).length;
      const suppressed = m.status().counters?.suppressed ?? 0;
      console.log(`# rate limit: ${seen} of ${sent} reported, ${suppressed} suppressed in all`);
      // Each CPU starts with a burst of one record and earns one per second.
      assert.ok(seen <= kernel.possibleCpus() * 2, `${seen} reported`);
      assert.ok(suppressed >= sent - seen, `${suppressed} suppressed`);
    } finally {
      m.stop();
    }
  });
});
