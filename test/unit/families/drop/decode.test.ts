import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BootClock } from '../../../../src/domain/clock.ts';
import { formatIpv6 } from '../../../../src/domain/decode/ip.ts';
import { HEADER } from '../../../../src/domain/layout/header.ts';
import { type DropDecodeResult, decodeDropRecord } from '../../../../src/families/drop/decode.ts';
import type { DropEvent } from '../../../../src/families/drop/events.ts';
import {
  DROP,
  DROP_CTR_SUPPRESSED,
  DROP_DEV,
  DROP_ICMP,
  DROP_L3,
  DROP_NO_REASON,
  DROP_PORTS,
  DROP_TYPE_ID,
  IFNAMSIZ,
} from '../../../../src/families/drop/layout.ts';
import {
  type DropReasonNames,
  dropReasonName,
  dropReasonNames,
} from '../../../../src/families/drop/reasons.ts';

const H = HEADER.fields;
const D = DROP.fields;
const utf8 = new TextEncoder();

// The kernel's names as kernelEnum gives them (a few, and not in numeric order).
const NAMES: DropReasonNames = dropReasonNames(
  new Map([
    [0, 'SKB_NOT_DROPPED_YET'],
    [1, 'SKB_CONSUMED'],
    [2, 'SKB_DROP_REASON_NOT_SPECIFIED'],
    [3, 'SKB_DROP_REASON_NO_SOCKET'],
    [12, 'SKB_DROP_REASON_NETFILTER_DROP'],
  ]),
  new Map([
    [0, 'SKB_DROP_REASON_SUBSYS_CORE'],
    [2, 'SKB_DROP_REASON_SUBSYS_OPENVSWITCH'],
  ]),
);

/** realtime - boottime, in ns; its microseconds are 1_700_000_000_123_456. */
const clock = (): BootClock => new BootClock(1_700_000_000_123_456_789n);

interface DropRec {
  pid: number;
  location: bigint;
  reason: number;
  len: number;
  ifindex: number;
  netns: number;
  protocol: number;
  ipVersion: number;
  l4Proto: number;
  sport: number;
  dport: number;
  icmpType: number;
  icmpCode: number;
  flags: number;
  saddr: number[];
  daddr: number[];
  ifname: string | Uint8Array;
}

const IPV4_UDP: DropRec = {
  pid: 777,
  location: 0xffffffff81a2b3c4n,
  reason: 3,
  len: 52,
  ifindex: 1,
  netns: 4026531833,
  protocol: 0x0800,
  ipVersion: 4,
  l4Proto: 17,
  sport: 40001,
  dport: 53,
  icmpType: 0,
  icmpCode: 0,
  flags: DROP_L3 | DROP_PORTS | DROP_DEV,
  saddr: [10, 0, 0, 1],
  daddr: [192, 168, 1, 254],
  ifname: 'eth0',
};

/** A drop record of `size` bytes at `base` inside a buffer filled with `fill`; every offset from the layout. */
function record(over: Partial<DropRec> = {}, base = 0, fill = 0, size = DROP.size, slack = 0) {
  const r = { ...IPV4_UDP, ...over };
  const bytes = new Uint8Array(base + Math.max(size, DROP.size) + slack).fill(fill);
  const v = new DataView(bytes.buffer);
  const o = (f: { offset: number }): number => base + f.offset;
  v.setBigUint64(o(H.ktime_ns), 5_000_000_000n, true);
  v.setUint32(o(H.type), DROP_TYPE_ID, true);
  v.setUint32(o(H.pid), r.pid, true);
  v.setUint32(o(H.tid), r.pid + 1, true);
  v.setUint32(o(H.ppid), 1, true);
  v.setUint32(o(H.uid), 0, true);
  v.setUint32(o(H.gid), 0, true);
  v.setBigUint64(o(H.cgroup_id), 1n, true);
  bytes.set(utf8.encode('ksoftirqd/0\0'), o(H.comm));
  v.setBigUint64(o(D.location), r.location, true);
  v.setUint32(o(D.reason), r.reason, true);
  v.setUint32(o(D.len), r.len, true);
  v.setUint32(o(D.ifindex), r.ifindex, true);
  v.setUint32(o(D.netns), r.netns, true);
  v.setUint16(o(D.protocol), r.protocol, true);
  v.setUint8(o(D.ip_version), r.ipVersion);
  v.setUint8(o(D.l4_proto), r.l4Proto);
  v.setUint16(o(D.sport), r.sport, true);
  v.setUint16(o(D.dport), r.dport, true);
  v.setUint8(o(D.icmp_type), r.icmpType);
  v.setUint8(o(D.icmp_code), r.icmpCode);
  v.setUint8(o(D.flags), r.flags);
  bytes.fill(0, o(D.saddr), o(D.saddr) + 16);
  bytes.set(r.saddr, o(D.saddr));
  bytes.fill(0, o(D.daddr), o(D.daddr) + 16);
  bytes.set(r.daddr, o(D.daddr));
  const name = typeof r.ifname === 'string' ? utf8.encode(`${r.ifname}\0`) : r.ifname;
  assert.ok(name.length <= IFNAMSIZ);
  bytes.set(name, o(D.ifname));
  return {
    bytes,
    decode: (names: DropReasonNames = NAMES): DropDecodeResult =>
      decodeDropRecord(bytes, v, base, size, clock(), names),
  };
}

function ok(r: DropDecodeResult): DropEvent {
  if ('error' in r) assert.fail(`unexpected decode error: ${r.error}`);
  return r;
}

describe('drop layout', () => {
  it('matches bw_drop_event in drop.h (offsets by hand)', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(D).map(([k, f]) => [k, [f.offset, f.size]])), {
      hdr: [0, 56],
      location: [56, 8],
      reason: [64, 4],
      len: [68, 4],
      ifindex: [72, 4],
      netns: [76, 4],
      protocol: [80, 2],
      ip_version: [82, 1],
      l4_proto: [83, 1],
      sport: [84, 2],
      dport: [86, 2],
      icmp_type: [88, 1],
      icmp_code: [89, 1],
      flags: [90, 1],
      _pad: [91, 1],
      saddr: [92, 16],
      daddr: [108, 16],
      ifname: [124, 16],
    });
    assert.equal(DROP.size, 144);
  });

  it('uses the constants drop.h and events.h define', () => {
    const h = readFileSync(new URL('../../../../bpf/include/drop.h', import.meta.url), 'utf8');
    const ev = readFileSync(new URL('../../../../bpf/include/events.h', import.meta.url), 'utf8');
    const def = (src: string, name: string): number => {
      const m = new RegExp(`#define ${name} (0x[0-9a-f]+|\\d+)`).exec(src);
      assert.ok(m, name);
      return Number(m[1]);
    };
    assert.equal(IFNAMSIZ, def(h, 'BW_IFNAMSIZ'));
    assert.equal(DROP_L3, def(h, 'BW_DROP_L3'));
    assert.equal(DROP_PORTS, def(h, 'BW_DROP_PORTS'));
    assert.equal(DROP_ICMP, def(h, 'BW_DROP_ICMP'));
    assert.equal(DROP_NO_REASON, def(h, 'BW_DROP_NO_REASON'));
    assert.equal(DROP_DEV, def(h, 'BW_DROP_DEV'));
    assert.equal(DROP_CTR_SUPPRESSED, def(h, 'BW_DROP_CTR_SUPPRESSED'));
    assert.equal(DROP_TYPE_ID, Number(/BW_EV_DROP = (\d+)/.exec(ev)?.[1]));
  });
});

describe('decodeDropRecord', () => {
  it('decodes an IPv4 UDP drop: every field, the reason by name, the location exact', () => {
    assert.deepEqual(ok(record().decode()), {
      timeUs: 5_000_000 + 1_700_000_000_123_456,
      ktimeNs: 5_000_000_000,
      type: 'drop',
      pid: 777,
      tid: 778,
      ppid: 1,
      uid: 0,
      gid: 0,
      cgroupId: 1,
      comm: 'ksoftirqd/0',
      reason: 3,
      reasonName: 'NO_SOCKET',
      location: '0xffffffff81a2b3c4',
      len: 52,
      ifindex: 1,
      ifname: 'eth0',
      netns: 4026531833,
      protocol: 0x0800,
      ipVersion: 4,
      l4Proto: 17,
      saddr: '10.0.0.1',
      daddr: '192.168.1.254',
      sport: 40001,
      dport: 53,
      icmpType: null,
      icmpCode: null,
    });
  });

  it('decodes IPv6 with ICMPv6 type and code, and no ports', () => {
    const loop = [...Array(15).fill(0), 1];
    const e = ok(
      record({
        protocol: 0x86dd,
        ipVersion: 6,
        l4Proto: 58,
        flags: DROP_L3 | DROP_ICMP,
        icmpType: 128,
        icmpCode: 0,
        sport: 999,
        saddr: [0xfe, 0x80, ...Array(13).fill(0), 1],
        daddr: loop,
      }).decode(),
    );
    assert.equal(e.ipVersion, 6);
    assert.equal(e.saddr, 'fe80::1');
    assert.equal(e.daddr, '::1');
    assert.deepEqual([e.l4Proto, e.icmpType, e.icmpCode, e.sport, e.dport], [58, 128, 0, null, null]);
  });

  it('gives no addresses or ports when the packet was not parsed, whatever the bytes say', () => {
    const e = ok(record({ flags: DROP_DEV, protocol: 0x0806 }).decode());
    assert.deepEqual(
      [e.ipVersion, e.l4Proto, e.saddr, e.daddr, e.sport, e.dport, e.icmpType],
      [null, null, null, null, null, null, null],
    );
    assert.equal(e.protocol, 0x0806);
  });

  it('ignores the L3 flag with an IP version other than 4 or 6', () => {
    const e = ok(record({ ipVersion: 5 }).decode());
    assert.deepEqual([e.ipVersion, e.saddr, e.sport], [null, null, null]);
  });

  it('reports no interface name when the device was not trusted, but keeps the index', () => {
    const e = ok(record({ flags: DROP_L3 | DROP_PORTS, ifindex: 4 }).decode());
    assert.equal(e.ifname, null);
    assert.equal(e.ifindex, 4);
  });

  it('reads a 16-byte interface name without a NUL', () => {
    const e = ok(record({ ifname: utf8.encode('a'.repeat(IFNAMSIZ)) }).decode());
    assert.equal(e.ifname, 'a'.repeat(IFNAMSIZ));
  });

  it('names reasons from the injected map; unknown ones and other subsystems stay readable', () => {
    assert.equal(ok(record({ reason: 12 }).decode()).reasonName, 'NETFILTER_DROP');
    assert.equal(ok(record({ reason: 500 }).decode()).reasonName, 'UNKNOWN_500');
    assert.equal(ok(record({ reason: (2 << 16) | 5 }).decode()).reasonName, 'OPENVSWITCH:5');
    assert.equal(ok(record({ reason: (9 << 16) | 1 }).decode()).reasonName, 'SUBSYS_9:1');
    // A different kernel, different names: nothing is hard-coded.
    const other = dropReasonNames(new Map([[3, 'SKB_DROP_REASON_SOMETHING_ELSE']]));
    assert.equal(ok(record().decode(other)).reasonName, 'SOMETHING_ELSE');
    assert.equal(ok(record({ flags: DROP_NO_REASON }).decode()).reasonName, 'UNKNOWN');
  });

  it('keeps a small location exact and in hex', () => {
    assert.equal(ok(record({ location: 0x1234n }).decode()).location, '0x1234');
    assert.equal(ok(record({ location: 0x100000000n }).decode()).location, '0x100000000');
    assert.equal(ok(record({ location: 0n }).decode()).location, '0x0');
  });

  it('reads a record at an offset inside a dirty buffer', () => {
    const e = ok(record({}, 40, 0xaa).decode());
    assert.equal(e.ifname, 'eth0');
    assert.equal(e.saddr, '10.0.0.1');
    assert.equal(e.comm, 'ksoftirqd/0');
  });

  it('refuses short, overrunning and foreign records with an error', () => {
    const short = record({}, 0, 0, DROP.size - 1).decode();
    assert.match((short as { error: string }).error, /drop record of 143 bytes, expected 144/);
    const r = record();
    const v = new DataView(r.bytes.buffer);
    assert.ok('error' in decodeDropRecord(r.bytes, v, 8, DROP.size, clock(), NAMES));
    assert.ok('error' in decodeDropRecord(r.bytes, v, 0, HEADER.size - 1, clock(), NAMES));
    assert.ok('error' in decodeDropRecord(r.bytes, v, -1, DROP.size, clock(), NAMES));
    v.setUint32(H.type.offset, 1, true);
    assert.match((r.decode() as { error: string }).error, /unknown drop event type 1/);
  });

  it('never throws on random bytes, offsets and sizes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 400 }),
        fc.integer({ min: -4, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        fc.boolean(),
        (bytes, off, size, typed) => {
          const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          if (typed && bytes.length >= 12) v.setUint32(8, DROP_TYPE_ID, true);
          const r = decodeDropRecord(bytes, v, off, size, clock(), NAMES);
          assert.ok('error' in r || r.type === 'drop');
        },
      ),
    );
  });
});

describe('drop reason names', () => {
  it('strip the kernel prefixes', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => dropReasonName(NAMES, n)),
      ['NOT_DROPPED_YET', 'CONSUMED', 'NOT_SPECIFIED', 'NO_SOCKET'],
    );
  });

  it('work with no enum at all (a kernel without BTF for it)', () => {
    const none = dropReasonNames(undefined, undefined);
    assert.equal(dropReasonName(none, 3), 'UNKNOWN_3');
    assert.equal(dropReasonName(none, (1 << 16) | 2), 'SUBSYS_1:2');
  });
});

describe('formatIpv6', () => {
  const b = (...groups: number[]): Uint8Array => {
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      out[2 * i] = g >> 8;
      out[2 * i + 1] = g & 0xff;
    });
    return out;
  };
  it('follows RFC 5952', () => {
    assert.equal(formatIpv6(b(0, 0, 0, 0, 0, 0, 0, 0), 0), '::');
    assert.equal(formatIpv6(b(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), 0), '2001:db8::1');
    assert.equal(
      formatIpv6(b(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), 0),
      '2001:db8:0:1:1:1:1:1',
      'one zero group stays',
    );
    assert.equal(formatIpv6(b(0x2001, 0, 0, 1, 0, 0, 0, 1), 0), '2001:0:0:1::1', 'the longest run');
    assert.equal(
      formatIpv6(b(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), 0),
      '2001:db8::1:0:0:1',
      'the first on a tie',
    );
    assert.equal(formatIpv6(b(0, 0, 0, 0, 0, 0xffff, 0x7f00, 1), 0), '::ffff:127.0.0.1');
    assert.equal(formatIpv6(b(0xfe80, 0, 0, 0, 0, 0, 0, 0), 0), 'fe80::');
  });
});
