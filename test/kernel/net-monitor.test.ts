/**
 * The network monitor in the running kernel: real loopback connections and
 * datagrams made by this test and its children, the events they give.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BootClock } from '../../src/domain/clock.ts';
import { Kernel, nativeBridge } from '../../src/ebpf/index.ts';
import type { BpfEvent } from '../../src/families/events.ts';
import type { NetEvent } from '../../src/families/net/events.ts';
import { netMonitor } from '../../src/families/net/monitor.ts';
import type { RingMonitor } from '../../src/families/ring-monitor.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { type Exited, eventually, sleep } from '../support/spawn.ts';

const CLIENT_BYTES = 12_345;
const SERVER_BYTES = 6_789;
const ECONNREFUSED = 111;
const EINPROGRESS = 115;

type Of<T extends NetEvent['type']> = Extract<NetEvent, { type: T }>;

function isNet(e: BpfEvent): e is NetEvent {
  return ['tcp_connect', 'tcp_accept', 'tcp_close', 'connect', 'udp_send'].includes(e.type);
}

function startMonitor(events: BpfEvent[], excludePids: number[]): RingMonitor {
  const bridge = nativeBridge();
  const kernel = new Kernel(bridge);
  const m = netMonitor(
    { clock: new BootClock(kernel.bootOffsetNs()), ringBufferBytes: 1 << 22, excludePids },
    { bridge, kernel },
  );
  m.start((batch) => events.push(...batch));
  return m;
}

/** Runs a command to its end; its pid whatever the outcome. */
function runCmd(cmd: string, args: readonly string[]): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ pid: child.pid ?? -1, code, signal }));
  });
}

/** A server in this process: reads CLIENT_BYTES, answers SERVER_BYTES and closes
 * (or resets, when `reset`); the remote port of every connection it accepted. */
async function server(host: string, opts: { reset?: boolean; ipv6Only?: boolean } = {}) {
  const peers: number[] = [];
  const srv = net.createServer((s) => {
    peers.push(s.remotePort ?? -1);
    let n = 0;
    s.on('error', () => {});
    s.on('data', (d) => {
      n += d.length;
      if (n < CLIENT_BYTES) return;
      if (opts.reset) s.resetAndDestroy();
      else s.end(Buffer.alloc(SERVER_BYTES));
    });
  });
  await new Promise<void>((resolve) =>
    srv.listen({ port: 0, host, ipv6Only: opts.ipv6Only ?? false }, resolve),
  );
  const port = (srv.address() as net.AddressInfo).port;
  return { port, peers, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

/** A child Node process that connects, writes CLIENT_BYTES, reads to the end and exits 0
 * when it read SERVER_BYTES (2 on a reset). */
function client(host: string, port: number): Promise<Exited> {
  const script = `
    const s = require('node:net').connect(${port}, ${JSON.stringify(host)}, () => s.write(Buffer.alloc(${CLIENT_BYTES})));
    let got = 0;
    s.on('data', (d) => { got += d.length; });
    s.on('error', () => process.exit(2));
    s.on('close', () => process.exit(got === ${SERVER_BYTES} ? 0 : 3));`;
  return runCmd(process.execPath, ['-e', script]);
}

/** This process's command name as the kernel records it (node's main thread runs accept()). */
function ownComm(): string {
  return readFileSync(`/proc/${process.pid}/comm`, 'utf8').trimEnd();
}

async function freeTcpPort(host: string): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, host, resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Perl (perl-base, always on Debian) for the calls Node does not make: blocking connect, sendto. */
const perl = (code: string): Promise<Exited> => runCmd('perl', ['-MSocket=:all', '-e', code]);

describe('net monitor', { skip: kernelSkip }, () => {
  const events: BpfEvent[] = [];
  let monitor: RingMonitor;

  before(() => {
    monitor = startMonitor(events, []);
  });

  after(() => monitor?.stop());

  const find = <T extends NetEvent['type']>(
    type: T,
    pred: (e: Of<T>) => boolean,
    from: BpfEvent[] = events,
  ): Of<T> | undefined => from.find((e): e is Of<T> => isNet(e) && e.type === type && pred(e as Of<T>));
  const wait = <T extends NetEvent['type']>(type: T, pred: (e: Of<T>) => boolean, from?: BpfEvent[]) =>
    eventually(`${type} event`, () => find(type, pred, from));

  async function exchange(listenHost: string, connectHost: string, addr: string, family: 4 | 6) {
    const srv = await server(listenHost);
    try {
      const r = await client(connectHost, srv.port);
      assert.equal(r.code, 0, 'the client read the whole answer');
      const cport = srv.peers[0]!;
      assert.ok(cport > 0, 'the server saw the client port');

      const conn = await wait('tcp_connect', (e) => e.remotePort === srv.port && e.localPort === cport);
      assert.equal(conn.pid, r.pid, 'pid is the connecting child, remembered from connect()');
      assert.equal(conn.ppid, process.pid);
      assert.equal(conn.ownerKnown, true);
      assert.ok(conn.comm.length > 0, 'comm of the connecting process');
      assert.equal(conn.uid, process.getuid?.());
      assert.ok(conn.cgroupId > 0);
      assert.deepEqual(
        [conn.family, conn.protocol, conn.direction, conn.localAddr, conn.remoteAddr],
        [family, 'tcp', 'outbound', addr, addr],
      );

      const acc = await wait('tcp_accept', (e) => e.localPort === srv.port && e.remotePort === cport);
      assert.deepEqual(
        [acc.family, acc.protocol, acc.direction, acc.localAddr, acc.remoteAddr],
        [family, 'tcp', 'inbound', addr, addr],
      );
      // Reported at accept()'s return, in the accepting process (this one).
      assert.deepEqual(
        [acc.ownerKnown, acc.pid, acc.tid, acc.comm, acc.uid],
        [true, process.pid, process.pid, ownComm(), process.getuid?.()],
      );
      assert.ok(acc.cgroupId > 0);
      assert.equal(
        events.filter((e) => e.type === 'tcp_accept' && (e as Of<'tcp_accept'>).remotePort === cport).length,
        1,
        'one accept per connection',
      );

      const call = await wait('connect', (e) => e.pid === r.pid && e.remotePort === srv.port);
      // Node connects non-blocking: the call returns EINPROGRESS before the handshake is seen through.
      assert.equal(call.result, -EINPROGRESS);
      assert.deepEqual(
        [call.family, call.protocol, call.remoteAddr, call.localAddr, call.localPort],
        [family, 'tcp', addr, addr, cport],
      );

      const cclose = await wait('tcp_close', (e) => e.localPort === cport && e.remotePort === srv.port);
      assert.equal(cclose.pid, r.pid);
      assert.equal(cclose.ownerKnown, true);
      assert.equal(cclose.direction, 'outbound');
      assert.equal(cclose.bytesSent, CLIENT_BYTES, 'client sent');
      assert.equal(cclose.bytesReceived, SERVER_BYTES, 'client received');
      assert.equal(cclose.closedFrom, 'LAST_ACK', 'the server closed first');
      assert.ok(cclose.durationNs !== null && cclose.durationNs > 0 && cclose.durationNs < 10e9);
      assert.deepEqual([cclose.family, cclose.localAddr, cclose.remoteAddr], [family, addr, addr]);

      const sclose = await wait('tcp_close', (e) => e.localPort === srv.port && e.remotePort === cport);
      assert.equal(sclose.pid, process.pid, 'the accepting process owns the server side');
      assert.equal(sclose.ownerKnown, true);
      assert.equal(sclose.direction, 'inbound');
      assert.equal(sclose.bytesSent, SERVER_BYTES, 'server sent');
      assert.equal(sclose.bytesReceived, CLIENT_BYTES, 'server received');
      assert.ok(['FIN_WAIT2', 'FIN_WAIT1', 'CLOSING'].includes(sclose.closedFrom), sclose.closedFrom);
      assert.ok(conn.ktimeNs <= cclose.ktimeNs, 'connect precedes close');
      assert.equal(
        events.filter((e) => e.type === 'tcp_close' && (e as Of<'tcp_close'>).localPort === cport).length,
        1,
        'one close per socket',
      );
    } finally {
      await srv.close();
    }
  }

  test('IPv4: connect, accept and close over 127.0.0.1 with owners, ports and bytes each way', () =>
    exchange('127.0.0.1', '127.0.0.1', '127.0.0.1', 4));

  test('IPv6: connect, accept and close over ::1', () => exchange('::1', '::1', '::1', 6));

  test('IPv4 to a dual-stack listener: IPv4-mapped addresses read as IPv4', async () => {
    const srv = await server('::', { ipv6Only: false });
    try {
      const r = await client('127.0.0.1', srv.port);
      assert.equal(r.code, 0);
      const cport = srv.peers[0]!;
      const acc = await wait('tcp_accept', (e) => e.localPort === srv.port && e.remotePort === cport);
      assert.deepEqual([acc.family, acc.localAddr, acc.remoteAddr], [4, '127.0.0.1', '127.0.0.1']);
      const sclose = await wait('tcp_close', (e) => e.localPort === srv.port && e.remotePort === cport);
      assert.deepEqual([sclose.family, sclose.remoteAddr], [4, '127.0.0.1']);
      assert.equal(sclose.bytesReceived, CLIENT_BYTES);
    } finally {
      await srv.close();
    }
  });

  test('a reset closes from ESTABLISHED; the server side still names the accepting process', async () => {
    const srv = await server('127.0.0.1', { reset: true });
    try {
      const r = await client('127.0.0.1', srv.port);
      assert.equal(r.code, 2, 'the client saw the reset');
      const cport = srv.peers[0]!;
      const sclose = await wait('tcp_close', (e) => e.localPort === srv.port && e.remotePort === cport);
      // No FIN left this side, so only accept() can have named the owner.
      assert.equal(sclose.closedFrom, 'ESTABLISHED');
      assert.equal(sclose.ownerKnown, true);
      assert.equal(sclose.pid, process.pid);
      assert.equal(sclose.bytesSent, 0);
      assert.equal(sclose.bytesReceived, CLIENT_BYTES);
      const cclose = await wait('tcp_close', (e) => e.localPort === cport && e.remotePort === srv.port);
      assert.equal(cclose.closedFrom, 'ESTABLISHED');
      assert.equal(cclose.pid, r.pid);
      assert.equal(cclose.bytesSent, CLIENT_BYTES);
      assert.equal(cclose.bytesReceived, 0);
    } finally {
      await srv.close();
    }
  });

  test('a refused connect gives connect = -ECONNREFUSED and no tcp_connect', async () => {
    const port = await freeTcpPort('127.0.0.1');
    const r = await perl(
      `socket(S, PF_INET, SOCK_STREAM, 0) or die; connect(S, pack_sockaddr_in(${port}, inet_aton("127.0.0.1"))) and exit 1; exit($!{ECONNREFUSED} ? 0 : 2)`,
    );
    assert.equal(r.code, 0, 'perl saw ECONNREFUSED');
    const e = await wait('connect', (x) => x.pid === r.pid && x.remotePort === port);
    assert.equal(e.result, -ECONNREFUSED);
    assert.deepEqual([e.family, e.protocol, e.remoteAddr, e.direction], [4, 'tcp', '127.0.0.1', 'outbound']);
    assert.equal(e.comm, 'perl');
    await sleep(200);
    assert.equal(
      find('tcp_connect', (x) => x.remotePort === port),
      undefined,
      'no connection was made',
    );
    assert.equal(
      find('tcp_close', (x) => x.remotePort === port),
      undefined,
      'nothing to close',
    );
  });

  test('connect on a UDP socket reports protocol udp, result 0 and the bound local end', async () => {
    const port = 40_000 + (process.pid % 20_000);
    const r = await perl(
      `socket(S, PF_INET6, SOCK_DGRAM, 0) or die; connect(S, pack_sockaddr_in6(${port}, inet_pton(AF_INET6, "::1"))) or exit 1; exit 0`,
    );
    assert.equal(r.code, 0);
    const e = await wait('connect', (x) => x.pid === r.pid && x.remotePort === port);
    assert.deepEqual(
      [e.result, e.family, e.protocol, e.remoteAddr, e.localAddr],
      [0, 6, 'udp', '::1', '::1'],
    );
    assert.ok(e.localPort > 0, 'connect bound a local port');
  });

  test('UDP: sendmsg (Node dgram) and sendto (perl) give udp_send with destination and size', async () => {
    const sock = dgram.createSocket('udp4');
    sock.on('error', () => {});
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const from = sock.address().port;
    const to = await freeTcpPort('127.0.0.1'); // any port: nothing has to receive
    await new Promise<void>((resolve, reject) =>
      sock.send(Buffer.alloc(1234), to, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
    await new Promise<void>((resolve) => sock.close(() => resolve()));
    const e = await wait('udp_send', (x) => x.pid === process.pid && x.localPort === from);
    assert.deepEqual(
      [e.remoteAddr, e.remotePort, e.bytes, e.result, e.family, e.protocol, e.localAddr],
      ['127.0.0.1', to, 1234, 1234, 4, 'udp', '127.0.0.1'],
    );
    assert.equal(e.bytesPartial, false);

    const r = await perl(
      `socket(S, PF_INET6, SOCK_DGRAM, 0) or die; my $n = send(S, "x" x 77, 0, pack_sockaddr_in6(${to}, inet_pton(AF_INET6, "::1"))); exit($n == 77 ? 0 : 1)`,
    );
    assert.equal(r.code, 0);
    const p = await wait('udp_send', (x) => x.pid === r.pid);
    assert.deepEqual([p.remoteAddr, p.remotePort, p.bytes, p.result, p.family], ['::1', to, 77, 77, 6]);
    assert.ok(p.localPort > 0, 'the send bound a local port');
  });

  test('excluded pids: none of their connects, sends or closes are reported', async () => {
    const mine: BpfEvent[] = [];
    const excluding = startMonitor(mine, [process.pid]);
    const srv = await server('127.0.0.1');
    try {
      // This process connects to its own server: both ends are its sockets.
      const own = net.connect(srv.port, '127.0.0.1');
      await new Promise<void>((resolve) => own.on('connect', resolve));
      const ownPort = own.localPort ?? -1;
      own.resume(); // read the answer to its end, so the socket closes
      own.write(Buffer.alloc(CLIENT_BYTES));
      await new Promise<void>((resolve) => own.on('close', () => resolve()));
      const u = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => u.send(Buffer.alloc(9), srv.port, '127.0.0.1', () => resolve()));
      u.close();
      // A child's connection to the same server is still reported.
      const r = await client('127.0.0.1', srv.port);
      assert.equal(r.code, 0);
      await wait('tcp_close', (e) => e.pid === r.pid, mine);
      // The unfiltered monitor saw this process's traffic, so it did happen.
      await wait('tcp_close', (e) => e.localPort === ownPort, events);
      await wait('udp_send', (e) => e.pid === process.pid && e.remotePort === srv.port, events);

      const leaked = mine.filter((e) => e.pid === process.pid);
      assert.deepEqual(leaked, [], 'nothing carries the excluded pid');
      assert.equal(
        find('tcp_accept', (e) => e.localPort === srv.port, mine),
        undefined,
        'its accepts (of its own and of the child connection) are not reported, not even with pid 0',
      );
      assert.equal(
        find('tcp_connect', (e) => e.localPort === ownPort, mine),
        undefined,
      );
      assert.equal(
        find('tcp_close', (e) => e.localPort === ownPort || e.remotePort === ownPort, mine),
        undefined,
        'neither end of its own connection closes in the record',
      );
    } finally {
      excluding.stop();
      await srv.close();
    }
  });

  test('status counts events and shows no kernel drops or decode errors', () => {
    const s = monitor.status();
    assert.equal(s.state, 'running');
    assert.ok(s.events >= events.length && events.length > 0);
    assert.equal(s.kernelDrops, 0);
    assert.equal(s.decodeErrors, 0);
    assert.equal(s.attached.length, 9);
  });
});
