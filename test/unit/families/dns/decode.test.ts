import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BootClock } from '../../../../src/domain/clock.ts';
import { HEADER } from '../../../../src/domain/layout/header.ts';
import {
  type DnsDecodeResult,
  decodeDnsRecord,
  linkingDnsDecoder,
} from '../../../../src/families/dns/decode.ts';
import { DnsEchoFilter } from '../../../../src/families/dns/echo.ts';
import type { DnsAnswerEvent, DnsEvent, DnsQueryEvent } from '../../../../src/families/dns/events.ts';
import {
  DNS,
  DNS_EGRESS,
  DNS_INGRESS,
  DNS_PAYLOAD_MAX,
  DNS_PORT,
  DNS_TYPE_ID,
} from '../../../../src/families/dns/layout.ts';
import { DnsQueryLinker } from '../../../../src/families/dns/link.ts';
import type { BpfEvent } from '../../../../src/families/events.ts';
import { ipv4, message, TYPE } from '../../../support/dns-wire.ts';

const H = HEADER.fields;
const F = DNS.fields;
const clock = (): BootClock => new BootClock(1_700_000_000_123_456_789n);

interface DnsRec {
  pid: number;
  ktimeNs: bigint;
  ifindex: number;
  ipVersion: number;
  direction: number;
  sport: number;
  dport: number;
  saddr: number[];
  daddr: number[];
  payload: Uint8Array;
  dnsLen?: number;
  captured?: number;
}

const QUERY = message({ id: 0x1234, questions: [{ name: 'example.com', type: TYPE.A }] });
const ANSWER = message({
  id: 0x1234,
  response: true,
  questions: [{ name: 'example.com', type: TYPE.A }],
  answers: [{ name: [0xc0, 12], type: TYPE.A, ttl: 30, rdata: ipv4('93.184.216.34') }],
});

const Q: DnsRec = {
  pid: 4242,
  ktimeNs: 1_000_000_000n,
  ifindex: 0,
  ipVersion: 4,
  direction: DNS_EGRESS,
  sport: 40000,
  dport: DNS_PORT,
  saddr: [10, 0, 0, 5],
  daddr: [10, 0, 0, 53],
  payload: QUERY,
};

const A: DnsRec = {
  ...Q,
  pid: 0,
  ktimeNs: 1_002_000_000n,
  ifindex: 2,
  direction: DNS_INGRESS,
  sport: DNS_PORT,
  dport: 40000,
  saddr: [10, 0, 0, 53],
  daddr: [10, 0, 0, 5],
  payload: ANSWER,
};

function record(r: DnsRec, base = 0, fill = 0) {
  const bytes = new Uint8Array(base + DNS.size).fill(fill);
  const v = new DataView(bytes.buffer);
  const o = (f: { offset: number }): number => base + f.offset;
  v.setBigUint64(o(H.ktime_ns), r.ktimeNs, true);
  v.setUint32(o(H.type), DNS_TYPE_ID, true);
  v.setUint32(o(H.pid), r.pid, true);
  v.setUint32(o(H.tid), r.pid, true);
  v.setUint32(o(H.ppid), 1, true);
  v.setUint32(o(H.uid), 1000, true);
  v.setUint32(o(H.gid), 1000, true);
  v.setBigUint64(o(H.cgroup_id), 77n, true);
  bytes.set(new TextEncoder().encode('curl\0'), o(H.comm));
  v.setUint32(o(F.ifindex), r.ifindex, true);
  v.setUint16(o(F.dns_len), r.dnsLen ?? r.payload.length, true);
  v.setUint16(o(F.captured), r.captured ?? r.payload.length, true);
  v.setUint16(o(F.sport), r.sport, true);
  v.setUint16(o(F.dport), r.dport, true);
  v.setUint8(o(F.ip_version), r.ipVersion);
  v.setUint8(o(F.direction), r.direction);
  bytes.fill(0, o(F.saddr), o(F.saddr) + 32);
  bytes.set(r.saddr, o(F.saddr));
  bytes.set(r.daddr, o(F.daddr));
  bytes.set(r.payload.subarray(0, DNS_PAYLOAD_MAX), o(F.payload));
  return { bytes, v, decode: (): DnsDecodeResult => decodeDnsRecord(bytes, v, base, DNS.size, clock()) };
}

function ok(r: DnsDecodeResult | BpfEvent | null | undefined): DnsEvent {
  assert.ok(r !== null && r !== undefined);
  if ('error' in r) assert.fail(`unexpected decode error: ${r.error}`);
  assert.ok(r.type === 'dns_query' || r.type === 'dns_answer');
  return r;
}

describe('dns layout', () => {
  it('matches bw_dns_event in dns.h (offsets by hand)', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(F).map(([k, f]) => [k, [f.offset, f.size]])), {
      hdr: [0, 56],
      ifindex: [56, 4],
      dns_len: [60, 2],
      captured: [62, 2],
      sport: [64, 2],
      dport: [66, 2],
      ip_version: [68, 1],
      direction: [69, 1],
      _pad: [70, 2],
      saddr: [72, 16],
      daddr: [88, 16],
      payload: [104, 512],
    });
    assert.equal(DNS.size, 616);
  });

  it('uses the constants dns.h and events.h define', () => {
    const h = readFileSync(new URL('../../../../bpf/include/dns.h', import.meta.url), 'utf8');
    const ev = readFileSync(new URL('../../../../bpf/include/events.h', import.meta.url), 'utf8');
    const def = (name: string): number => Number(new RegExp(`#define ${name} (\\d+)`).exec(h)?.[1]);
    assert.equal(DNS_PAYLOAD_MAX, def('BW_DNS_PAYLOAD_MAX'));
    assert.equal(DNS_PORT, def('BW_DNS_PORT'));
    assert.equal(DNS_INGRESS, def('BW_DNS_INGRESS'));
    assert.equal(DNS_EGRESS, def('BW_DNS_EGRESS'));
    assert.equal(DNS_TYPE_ID, Number(/BW_EV_DNS = (\d+)/.exec(ev)?.[1]));
  });
});

describe('decodeDnsRecord', () => {
  it('decodes a query sent by a process: the server is the destination', () => {
    assert.deepEqual(ok(record(Q).decode()), {
      timeUs: 1_000_000 + 1_700_000_000_123_456,
      ktimeNs: 1_000_000_000,
      type: 'dns_query',
      pid: 4242,
      tid: 4242,
      ppid: 1,
      uid: 1000,
      gid: 1000,
      cgroupId: 77,
      comm: 'curl',
      dnsId: 0x1234,
      name: 'example.com',
      qtype: 1,
      qtypeName: 'A',
      serverAddr: '10.0.0.53',
      serverPort: 53,
      clientAddr: '10.0.0.5',
      clientPort: 40000,
      ifindex: 0,
      direction: 'egress',
      truncated: false,
    });
  });

  it('decodes an answer received: the server is the source; answers, rcode; not yet linked', () => {
    const e = ok(record(A).decode());
    assert.equal(e.type, 'dns_answer');
    const a = e as DnsAnswerEvent;
    assert.deepEqual(
      [a.serverAddr, a.serverPort, a.clientAddr, a.clientPort, a.direction, a.ifindex],
      ['10.0.0.53', 53, '10.0.0.5', 40000, 'ingress', 2],
    );
    assert.deepEqual([a.rcode, a.rcodeName, a.queryPid, a.pid], [0, 'NOERROR', null, 0]);
    assert.deepEqual(a.answers, [{ type: 'A', ttl: 30, data: '93.184.216.34' }]);
  });

  it('IPv6 addresses', () => {
    const loop = [...Array(15).fill(0), 1];
    const e = ok(
      record({ ...Q, ipVersion: 6, saddr: loop, daddr: [0xfe, 0x80, ...Array(13).fill(0), 0x53] }).decode(),
    );
    assert.deepEqual([e.clientAddr, e.serverAddr], ['::1', 'fe80::53']);
  });

  it('the QR bit, not the port, says query or answer (server to server on port 53 both ways)', () => {
    const e = ok(record({ ...A, dport: 53 }).decode());
    assert.equal(e.type, 'dns_answer');
    const q = ok(record({ ...Q, sport: 53 }).decode());
    assert.equal(q.type, 'dns_query');
  });

  it('marks truncated what the kernel cut at 512 bytes, and what the server marked TC', () => {
    const cut = ok(record({ ...A, dnsLen: 900 }).decode());
    assert.equal(cut.truncated, true);
    const tc = message({ id: 1, response: true, tc: true, questions: [{ name: 'x', type: 1 }] });
    assert.equal(ok(record({ ...A, payload: tc }).decode()).truncated, true);
  });

  it('an unreadable datagram still gives an event, classified by port, name empty', () => {
    const e = ok(record({ ...Q, payload: Uint8Array.from([1, 2, 3]) }).decode());
    assert.deepEqual(
      [e.type, e.name, e.qtypeName, e.dnsId, e.truncated, e.serverAddr],
      ['dns_query', '', '', 0, true, '10.0.0.53'],
    );
    const a = ok(record({ ...A, payload: new Uint8Array(0) }).decode()) as DnsAnswerEvent;
    assert.deepEqual([a.type, a.rcodeName, a.answers], ['dns_answer', '', []]);
  });

  it('never reads past captured, nor captured past the payload field', () => {
    // Captured says 14: the question name is cut, so the name is empty though the bytes are there.
    const e = ok(record({ ...Q, captured: 14 }).decode());
    assert.deepEqual([e.name, e.truncated, e.dnsId], ['', true, 0x1234]);
    const big = record({ ...Q, captured: 0xffff });
    assert.equal(ok(big.decode()).name, 'example.com');
  });

  it('reads a record at an offset in a dirty buffer', () => {
    const r = record(A, 24, 0xc0);
    const e = ok(decodeDnsRecord(r.bytes, r.v, 24, DNS.size, clock()));
    assert.equal(e.name, 'example.com');
  });

  it('refuses short, overrunning, foreign and non-IP records with an error', () => {
    const r = record(Q);
    assert.match(
      (decodeDnsRecord(r.bytes, r.v, 0, DNS.size - 1, clock()) as { error: string }).error,
      /expected 616/,
    );
    assert.ok('error' in decodeDnsRecord(r.bytes, r.v, 1, DNS.size, clock()));
    assert.ok('error' in decodeDnsRecord(r.bytes, r.v, 0, 10, clock()));
    assert.match((record({ ...Q, ipVersion: 5 }).decode() as { error: string }).error, /IP version 5/);
    r.v.setUint32(H.type.offset, 30, true);
    assert.match((r.decode() as { error: string }).error, /unknown dns event type 30/);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.integer({ min: -2, max: 700 }),
        fc.integer({ min: 0, max: 700 }),
        fc.boolean(),
        (b, off, size, typed) => {
          const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
          if (typed && b.length >= 12) v.setUint32(8, DNS_TYPE_ID, true);
          const r = decodeDnsRecord(b, v, off, size, clock());
          assert.ok('error' in r || r.type === 'dns_query' || r.type === 'dns_answer');
        },
      ),
    );
  });
});

describe('linking answers to the querying pid', () => {
  it('links an answer to the query with the same id and client port', () => {
    const decode = linkingDnsDecoder(clock(), new DnsQueryLinker());
    const q = record(Q);
    const a = record(A);
    assert.equal((ok(decode(q.bytes, q.v, 0, DNS.size)) as DnsQueryEvent).pid, 4242);
    assert.equal((ok(decode(a.bytes, a.v, 0, DNS.size)) as DnsAnswerEvent).queryPid, 4242);
  });

  it('does not link another id, another port, or a query seen only on ingress', () => {
    const decode = linkingDnsDecoder(clock(), new DnsQueryLinker());
    const ingressQuery = record({ ...Q, pid: 0, direction: DNS_INGRESS });
    decode(ingressQuery.bytes, ingressQuery.v, 0, DNS.size);
    const a = record(A);
    assert.equal((ok(decode(a.bytes, a.v, 0, DNS.size)) as DnsAnswerEvent).queryPid, null);
    const q = record(Q);
    decode(q.bytes, q.v, 0, DNS.size);
    const otherPort = record({ ...A, dport: 40001 });
    assert.equal((ok(decode(otherPort.bytes, otherPort.v, 0, DNS.size)) as DnsAnswerEvent).queryPid, null);
    const otherId = message({ id: 0x9999, response: true, questions: [{ name: 'example.com', type: 1 }] });
    const r = record({ ...A, payload: otherId });
    assert.equal((ok(decode(r.bytes, r.v, 0, DNS.size)) as DnsAnswerEvent).queryPid, null);
  });

  it('DnsQueryLinker: expires queries after the TTL', () => {
    const l = new DnsQueryLinker({ ttlNs: 1000 });
    l.query(1, 5000, 42, 0);
    assert.equal(l.answer(1, 5000, 1000), 42);
    assert.equal(l.answer(1, 5000, 1001), null);
    assert.equal(l.size, 0, 'expired entries are dropped');
  });

  it('DnsQueryLinker: bounded, the oldest query is forgotten first; a retransmission is young again', () => {
    const l = new DnsQueryLinker({ maxEntries: 3 });
    l.query(1, 1, 101, 0);
    l.query(2, 1, 102, 1);
    l.query(3, 1, 103, 2);
    l.query(1, 1, 101, 3); // retransmitted: now the youngest
    l.query(4, 1, 104, 4);
    assert.equal(l.size, 3);
    assert.equal(l.answer(2, 1, 5), null, 'the oldest went');
    assert.deepEqual([l.answer(1, 1, 5), l.answer(3, 1, 5), l.answer(4, 1, 5)], [101, 103, 104]);
  });

  it('DnsQueryLinker: keys do not collide across ids and ports', () => {
    const l = new DnsQueryLinker();
    l.query(1, 2, 10, 0);
    l.query(2, 1, 20, 0);
    l.query(0xffff, 0xffff, 30, 0);
    assert.deepEqual(
      [l.answer(1, 2, 0), l.answer(2, 1, 0), l.answer(0xffff, 0xffff, 0), l.answer(0, 0, 0)],
      [10, 20, 30, null],
    );
  });

  it('DnsQueryLinker: memory stays bounded under a flood of unanswered queries', () => {
    const l = new DnsQueryLinker({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) l.query(i & 0xffff, i >> 16, i, i);
    assert.equal(l.size, 100);
  });
});

describe('one record per datagram between local network namespaces', () => {
  const decodeAll = (decode: ReturnType<typeof linkingDnsDecoder>, recs: DnsRec[]) =>
    recs.map((r) => {
      const x = record(r);
      return decode(x.bytes, x.v, 0, DNS.size);
    });
  // The resolver in a namespace of this host: its answer leaves it, then arrives at the client.
  const answerOut: DnsRec = { ...A, pid: 5151, ifindex: 0, direction: DNS_EGRESS, ktimeNs: 1_001_000_000n };
  const answerIn: DnsRec = { ...A, ktimeNs: 1_001_000_050n };
  const queryIn: DnsRec = { ...Q, pid: 0, ifindex: 9, direction: DNS_INGRESS, ktimeNs: 1_000_000_040n };

  it('skips the arrival of a datagram seen leaving a local socket; the departure is linked', () => {
    const decode = linkingDnsDecoder(clock(), new DnsQueryLinker());
    const [q, qIn, aOut, aIn] = decodeAll(decode, [Q, queryIn, answerOut, answerIn]);
    assert.equal(ok(q).pid, 4242);
    assert.equal(qIn, null, 'the query arriving in the namespace');
    assert.equal((ok(aOut) as DnsAnswerEvent).queryPid, 4242);
    assert.equal(aIn, null, 'the answer arriving at the client');
  });

  it('keeps arrivals with no local departure: another payload, port, address, or too late', () => {
    const decode = linkingDnsDecoder(clock(), new DnsQueryLinker(), new DnsEchoFilter({ windowNs: 1000 }));
    decodeAll(decode, [answerOut]);
    const other = message({
      id: 0x1234,
      response: true,
      rcode: 3,
      questions: [{ name: 'example.com', type: 1 }],
    });
    const kept = decodeAll(decode, [
      { ...answerIn, payload: other },
      { ...answerIn, dport: 40001 },
      { ...answerIn, saddr: [10, 0, 0, 54] },
      { ...answerIn, ktimeNs: answerOut.ktimeNs + 1001n },
    ]);
    for (const k of kept) assert.equal(ok(k).direction, 'ingress');
  });

  it('each departure excuses one arrival: a retransmission arriving twice is skipped twice, a third kept', () => {
    const decode = linkingDnsDecoder(clock(), new DnsQueryLinker());
    const r = decodeAll(decode, [Q, Q, queryIn, queryIn, queryIn]);
    assert.deepEqual(
      r.map((e) => (e === null ? null : ok(e).direction)),
      ['egress', 'egress', null, null, 'ingress'],
    );
  });

  it('DnsEchoFilter: bounded under a flood of departures nobody receives', () => {
    const f = new DnsEchoFilter({ maxEntries: 50 });
    for (let i = 0; i < 2000; i++) {
      const x = record({ ...Q, sport: 1024 + i });
      f.departed(x.bytes, 0, i);
    }
    assert.equal(f.size, 50);
    const first = record({ ...Q, sport: 1024 });
    assert.equal(f.isEcho(first.bytes, 0, 2000), false, 'the oldest was forgotten');
  });
});
