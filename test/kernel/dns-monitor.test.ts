/**
 * The DNS monitor in the running kernel: a resolver in this test answers on
 * port 53 of a loopback address, child processes ask it, and the captured
 * queries and answers must name the child, the question and the answer.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { BootClock } from '../../src/domain/clock.ts';
import { Kernel, nativeBridge } from '../../src/ebpf/index.ts';
import type { DnsAnswerEvent, DnsQueryEvent } from '../../src/families/dns/events.ts';
import { DNS_PAYLOAD_MAX } from '../../src/families/dns/layout.ts';
import { dnsMonitor } from '../../src/families/dns/monitor.ts';
import type { BpfEvent } from '../../src/families/events.ts';
import type { RingMonitor } from '../../src/families/ring-monitor.ts';
import { cgroup2Root } from '../../src/host/cgroup.ts';
import { encodeName, ipv4, ipv6, message, questionOf, type Rr, TYPE } from '../support/dns-wire.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually } from '../support/spawn.ts';

const TAG = `bw${randomBytes(4).toString('hex')}`;
const NAME = {
  a: `${TAG}-a.bwtest`,
  nx: `${TAG}-nx.bwtest`,
  cname: `${TAG}-cname.bwtest`,
  target: `${TAG}-target.bwtest`,
  big: `${TAG}-big.bwtest`,
  lib: `${TAG}-lib.bwtest`,
  v6: `${TAG}-v6.bwtest`,
  ns: `${TAG}-ns.bwtest`,
  flush: `${TAG}-flush.bwtest`,
};
const NXDOMAIN = 3;
const PTR_QNAME = [0xc0, 12]; // compression pointer to the question's name
const BIG_ANSWERS = 40;

/** The test's zone: what the resolver answers. */
function answer(query: Uint8Array): Uint8Array | null {
  const q = questionOf(query);
  if (!q) return null;
  const reply = (answers: Rr[], rcode = 0): Uint8Array =>
    message({ id: q.id, response: true, rcode, questions: [{ name: q.name, type: q.type }], answers });
  const a = (addr: string): Rr => ({ name: PTR_QNAME, type: TYPE.A, ttl: 60, rdata: ipv4(addr) });
  switch (q.name) {
    case NAME.a:
    case NAME.lib:
    case NAME.v6:
      if (q.type === TYPE.AAAA)
        return reply([
          { name: PTR_QNAME, type: TYPE.AAAA, rdata: ipv6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x77]) },
        ]);
      return reply([a('192.0.2.77')]);
    case NAME.cname:
      return reply([{ name: PTR_QNAME, type: TYPE.CNAME, ttl: 300, rdata: encodeName(NAME.target) }]);
    case NAME.big:
      return reply(Array.from({ length: BIG_ANSWERS }, (_, i) => a(`198.51.100.${i + 1}`)));
    default:
      return reply([], NXDOMAIN);
  }
}

interface Resolver {
  readonly addr: string;
  close(): Promise<void>;
}

/** Binds a UDP resolver on port 53 of the first free address (we are root). */
async function startResolver(type: 'udp4' | 'udp6', addrs: readonly string[]): Promise<Resolver> {
  for (const addr of addrs) {
    const s = dgram.createSocket(type);
    const bound = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.bind(53, addr, () => resolve(true));
    });
    if (!bound) {
      s.close();
      continue;
    }
    s.on('message', (msg, rinfo) => {
      const r = answer(msg);
      if (r) s.send(r, rinfo.port, rinfo.address);
    });
    return { addr, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
  }
  throw new Error(`port 53 is taken on ${addrs.join(', ')}`);
}

// A resolver for the namespace test: answers every A query with 192.0.2.99.
const NS_RESOLVER = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (q, r) => {
  let p = 12;
  while (p < q.length && q[p] !== 0) p += q[p] + 1;
  const question = q.subarray(12, p + 5);
  const head = Buffer.from([q[0], q[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
  const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 99]);
  s.send(Buffer.concat([head, question, rr]), r.port, r.address);
});
s.bind(53, process.argv[1], () => console.log('ready'));`;

interface Asked {
  readonly pid: number;
  /** Per query: its id, the client port it left from, and the reply's rcode (-1: none). */
  readonly replies: { id: number; port: number; rcode: number; len: number }[];
}

// A child that sends hand-built queries (hex) one after the other from one socket.
const CLIENT = `
const dgram = require('node:dgram');
const [type, server, ...queries] = process.argv.slice(1);
const s = dgram.createSocket(type);
const out = [];
s.bind(0, () => {
  const next = () => {
    const q = queries.shift();
    if (q === undefined) { s.close(); console.log(JSON.stringify(out)); return; }
    const buf = Buffer.from(q, 'hex');
    const id = buf.readUInt16BE(0);
    const timer = setTimeout(() => { out.push({ id, port: s.address().port, rcode: -1, len: 0 }); next(); }, 2000);
    s.once('message', (m) => {
      clearTimeout(timer);
      out.push({ id, port: s.address().port, rcode: m[3] & 15, len: m.length });
      next();
    });
    s.send(buf, 53, server);
  };
  next();
});`;

function runChild(args: string[]): Promise<{ pid: number; stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ pid: child.pid ?? -1, stdout, code }));
  });
}

async function ask(
  type: 'udp4' | 'udp6',
  server: string,
  qs: { name: string; type: number }[],
): Promise<Asked> {
  const queries = qs.map((q) => {
    const id = randomBytes(2).readUInt16BE(0);
    return Buffer.from(message({ id, questions: [q] })).toString('hex');
  });
  const r = await runChild(['-e', CLIENT, type, server, ...queries]);
  assert.equal(r.code, 0, 'the DNS client ran');
  return { pid: r.pid, replies: JSON.parse(r.stdout) as Asked['replies'] };
}

describe('dns monitor', { skip: kernelSkip }, () => {
  const events: BpfEvent[] = [];
  let monitor: RingMonitor;
  let v4: Resolver;

  before(async () => {
    const bridge = nativeBridge();
    const kernel = new Kernel(bridge);
    monitor = dnsMonitor(
      { clock: new BootClock(kernel.bootOffsetNs()), ringBufferBytes: 1 << 20 },
      { bridge, kernel },
    );
    monitor.start((batch) => events.push(...batch));
    v4 = await startResolver('udp4', ['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });

  after(async () => {
    monitor?.stop();
    await v4?.close();
  });

  const queries = (name: string): DnsQueryEvent[] =>
    events.filter((e): e is DnsQueryEvent => e.type === 'dns_query' && e.name === name);
  const answers = (name: string): DnsAnswerEvent[] =>
    events.filter((e): e is DnsAnswerEvent => e.type === 'dns_answer' && e.name === name);

  test('an A query and its answer: name, type, ids, ports, the asking pid, the address', async () => {
    const asked = await ask('udp4', v4.addr, [{ name: NAME.a, type: TYPE.A }]);
    const sent = asked.replies[0]!;
    assert.equal(sent.rcode, 0, 'the resolver answered');
    const q = await eventually('query', () => queries(NAME.a)[0]);
    assert.equal(q.pid, asked.pid, 'the query names the process that sent it');
    assert.equal(q.qtype, 1);
    assert.equal(q.qtypeName, 'A');
    assert.equal(q.dnsId, sent.id);
    assert.equal(q.clientPort, sent.port);
    assert.equal(q.serverAddr, v4.addr);
    assert.equal(q.serverPort, 53);
    assert.equal(q.direction, 'egress');
    assert.equal(q.truncated, false);
    assert.match(q.clientAddr, /^127\./);
    assert.ok(q.cgroupId > 0);

    const a = await eventually('answer', () => answers(NAME.a)[0]);
    assert.equal(a.rcodeName, 'NOERROR');
    assert.equal(a.rcode, 0);
    assert.deepEqual(a.answers, [{ type: 'A', ttl: 60, data: '192.0.2.77' }]);
    assert.equal(a.queryPid, asked.pid, 'linked to the querying process');
    assert.equal(a.pid, process.pid, 'sent by this test, the resolver');
    assert.equal(a.dnsId, sent.id);
    assert.equal(a.clientPort, sent.port);
    assert.equal(a.serverAddr, v4.addr);
    assert.equal(a.serverPort, 53);
    assert.ok(q.timeUs <= a.timeUs, 'the query precedes its answer');
  });

  test('loopback datagrams are reported once (on egress), not again on ingress', async () => {
    await eventually('answer', () => answers(NAME.a)[0]);
    assert.equal(queries(NAME.a).length, 1);
    assert.equal(answers(NAME.a).length, 1);
    assert.equal(
      events.filter(
        (e) =>
          (e.type === 'dns_query' || e.type === 'dns_answer') &&
          e.direction === 'ingress' &&
          e.name.startsWith(TAG),
      ).length,
      0,
    );
  });

  test('NXDOMAIN and AAAA from one client socket, each answer linked to its query', async () => {
    const asked = await ask('udp4', v4.addr, [
      { name: NAME.nx, type: TYPE.A },
      { name: NAME.a, type: TYPE.AAAA },
    ]);
    assert.deepEqual(
      asked.replies.map((r) => r.rcode),
      [NXDOMAIN, 0],
    );
    const nx = await eventually('NXDOMAIN answer', () => answers(NAME.nx)[0]);
    assert.equal(nx.rcodeName, 'NXDOMAIN');
    assert.equal(nx.rcode, 3);
    assert.deepEqual(nx.answers, []);
    assert.equal(nx.queryPid, asked.pid);
    assert.equal(nx.dnsId, asked.replies[0]!.id);
    const q = queries(NAME.nx)[0];
    assert.equal(q?.pid, asked.pid);

    const six = await eventually('AAAA answer', () => answers(NAME.a).find((x) => x.qtypeName === 'AAAA'));
    assert.equal(six.qtype, 28);
    assert.deepEqual(six.answers, [{ type: 'AAAA', ttl: 60, data: '2001:db8::77' }]);
    assert.equal(six.queryPid, asked.pid);
  });

  test('a CNAME answer names its target', async () => {
    const asked = await ask('udp4', v4.addr, [{ name: NAME.cname, type: TYPE.A }]);
    assert.equal(asked.replies[0]?.rcode, 0);
    const a = await eventually('CNAME answer', () => answers(NAME.cname)[0]);
    assert.deepEqual(a.answers, [{ type: 'CNAME', ttl: 300, data: NAME.target }]);
  });

  test('an answer longer than 512 bytes is captured in part and marked truncated', async () => {
    const asked = await ask('udp4', v4.addr, [{ name: NAME.big, type: TYPE.A }]);
    const len = asked.replies[0]!.len;
    assert.ok(len > DNS_PAYLOAD_MAX, `reply of ${len} bytes`);
    const a = await eventually('big answer', () => answers(NAME.big)[0]);
    assert.equal(a.truncated, true);
    assert.equal(a.rcodeName, 'NOERROR');
    // 16 bytes per A record after the question: those wholly in the first 512 bytes.
    const questionEnd = 12 + NAME.big.length + 2 + 4;
    assert.equal(a.answers.length, Math.floor((DNS_PAYLOAD_MAX - questionEnd) / 16));
    assert.deepEqual(a.answers[0], { type: 'A', ttl: 60, data: '198.51.100.1' });
    assert.equal(a.queryPid, asked.pid);
  });

  test("node:dns's resolver (c-ares) is seen with its process", async () => {
    const script = `const { Resolver } = require('node:dns');
      const r = new Resolver({ timeout: 2000, tries: 1 });
      r.setServers([process.argv[1]]);
      r.resolve4(process.argv[2], (err, a) => { console.log(JSON.stringify(err ? err.code : a)); });`;
    const r = await runChild(['-e', script, v4.addr, NAME.lib]);
    assert.deepEqual(JSON.parse(r.stdout), ['192.0.2.77']);
    const q = await eventually('library query', () => queries(NAME.lib).find((x) => x.qtypeName === 'A'));
    assert.equal(q.pid, r.pid);
    const a = await eventually('library answer', () => answers(NAME.lib).find((x) => x.dnsId === q.dnsId));
    assert.equal(a.queryPid, r.pid);
    assert.deepEqual(
      a.answers.map((x) => x.data),
      ['192.0.2.77'],
    );
  });

  test('IPv6: a query to [::1]:53 and its answer', async () => {
    const v6 = await startResolver('udp6', ['::1']);
    try {
      const asked = await ask('udp6', '::1', [{ name: NAME.v6, type: TYPE.A }]);
      assert.equal(asked.replies[0]?.rcode, 0);
      const q = await eventually('IPv6 query', () => queries(NAME.v6)[0]);
      assert.equal(q.serverAddr, '::1');
      assert.equal(q.clientAddr, '::1');
      assert.equal(q.pid, asked.pid);
      const a = await eventually('IPv6 answer', () => answers(NAME.v6)[0]);
      assert.equal(a.serverAddr, '::1');
      assert.equal(a.queryPid, asked.pid);
      assert.deepEqual(a.answers, [{ type: 'A', ttl: 60, data: '192.0.2.77' }]);
    } finally {
      await v6.close();
    }
  });

  test('from another network namespace over veth: each datagram stored once, with its sender, the answer linked', async () => {
    const ns = `bwdns${process.pid}`;
    const host = `bwn${process.pid % 100000}h`;
    const peer = `bwn${process.pid % 100000}p`;
    const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
    let server: ChildProcess | undefined;
    try {
      ip('netns', 'add', ns);
      ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
      ip('link', 'set', peer, 'netns', ns);
      ip('addr', 'add', '10.251.9.1/30', 'dev', host);
      ip('link', 'set', host, 'up');
      ip('-n', ns, 'addr', 'add', '10.251.9.2/30', 'dev', peer);
      ip('-n', ns, 'link', 'set', peer, 'up');
      server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', NS_RESOLVER, '10.251.9.2'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const serverPid = server.pid;
      await new Promise<void>((resolve, reject) => {
        server?.stdout?.once('data', () => resolve());
        server?.once('exit', (code) => reject(new Error(`resolver in ${ns} exited (${code})`)));
      });
      const asked = await ask('udp4', '10.251.9.2', [{ name: NAME.ns, type: TYPE.A }]);
      assert.equal(asked.replies[0]?.rcode, 0, 'the resolver in the namespace answered');
      const q = await eventually('query leaving the host', () =>
        queries(NAME.ns).find((x) => x.direction === 'egress'),
      );
      assert.equal(q.pid, asked.pid);
      assert.equal(q.serverAddr, '10.251.9.2');
      assert.equal(q.clientAddr, '10.251.9.1');
      const out = await eventually('answer leaving the resolver', () =>
        answers(NAME.ns).find((x) => x.direction === 'egress'),
      );
      // ip netns exec execs the command in place: the resolver keeps the spawned pid.
      assert.equal(out.pid, serverPid, 'sent by the resolver');
      assert.equal(out.queryPid, asked.pid, 'linked to the client by id and port');
      assert.equal(out.clientPort, asked.replies[0]?.port);
      assert.deepEqual(out.answers, [{ type: 'A', ttl: 60, data: '192.0.2.99' }]);
      // The client has its answer, so both arrivals went through the ring before it returned;
      // a later datagram flushes anything still in flight.
      await ask('udp4', v4.addr, [{ name: NAME.flush, type: TYPE.A }]);
      await eventually('the flush answer', () => answers(NAME.flush)[0]);
      assert.deepEqual(
        queries(NAME.ns).map((x) => [x.direction, x.pid]),
        [['egress', asked.pid]],
        'the query arriving in the namespace is not stored again with pid 0',
      );
      assert.deepEqual(
        answers(NAME.ns).map((x) => [x.direction, x.pid]),
        [['egress', serverPid]],
        'the answer arriving on the host is not stored again with pid 0',
      );
    } finally {
      server?.kill('SIGKILL');
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

  test('status: running on two cgroup hooks, no kernel drops, no decode errors', () => {
    const s = monitor.status();
    assert.equal(s.state, 'running');
    assert.deepEqual([...s.attached].sort(), [
      `cgroup_skb/egress on ${cgroup2Root()}`,
      `cgroup_skb/ingress on ${cgroup2Root()}`,
    ]);
    assert.equal(s.kernelDrops, 0);
    assert.equal(s.decodeErrors, 0);
  });
});
