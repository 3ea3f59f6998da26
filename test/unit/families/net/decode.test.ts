/** Network record decoding: records built from the layout constants, decoded back. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BootClock } from '../../../../src/domain/clock.ts';
import { HEADER } from '../../../../src/domain/layout/header.ts';
import { formatNetAddr, isIpv4Mapped } from '../../../../src/domain/net-addr.ts';
import { EVENT_TYPES } from '../../../../src/families/events.ts';
import { decodeNetRecord, type NetDecodeResult } from '../../../../src/families/net/decode.ts';
import type { NetEvent } from '../../../../src/families/net/events.ts';
import {
  ADDR_LEN,
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NET_BYTES_KNOWN,
  NET_BYTES_PARTIAL,
  NET_DURATION_KNOWN,
  NET_INBOUND,
  NET_LAYOUTS,
  NET_OUTBOUND,
  NET_OWNER_KNOWN,
  NetEventTypeId,
  SOCKADDR_EVENT,
  TCP_EVENT,
  TCP_STATES,
} from '../../../../src/families/net/layout.ts';

const H = HEADER.fields;
const T = TCP_EVENT.fields;
const S = SOCKADDR_EVENT.fields;
const utf8 = new TextEncoder();

/** realtime - boottime: 1_700_000_000_123_456 µs. */
const clock = new BootClock(1_700_000_000_123_456_789n);
const KTIME = 123_456_789_012n;
const HDR_EXPECT = {
  timeUs: 123_456_789 + 1_700_000_000_123_456,
  ktimeNs: 123_456_789_012,
  pid: 4242,
  tid: 4243,
  ppid: 1,
  uid: 1000,
  gid: 100,
  cgroupId: 2 ** 40 + 7,
  comm: 'curl',
};

const v4 = (...b: number[]): Uint8Array => Uint8Array.from(b);
function v6(text: string): Uint8Array {
  // Enough of a parser for the test addresses: full groups or one '::'.
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const hs = head ? head.split(':') : [];
  const ts = tail ? tail.split(':') : [];
  const groups = [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts].map((g) =>
    Number.parseInt(g, 16),
  );
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}
const mapped = (...b: number[]): Uint8Array =>
  Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...b]);

class Rec {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly base: number;

  constructor(size: number, base = 0, slack = 0, fill = 0) {
    this.bytes = new Uint8Array(base + size + slack).fill(fill);
    this.view = new DataView(this.bytes.buffer);
    this.base = base;
  }

  u8(f: { offset: number }, v: number): this {
    this.view.setUint8(this.base + f.offset, v);
    return this;
  }

  u16(f: { offset: number }, v: number): this {
    this.view.setUint16(this.base + f.offset, v, true);
    return this;
  }

  u32(f: { offset: number }, v: number): this {
    this.view.setUint32(this.base + f.offset, v, true);
    return this;
  }

  u64(f: { offset: number }, v: bigint): this {
    this.view.setBigUint64(this.base + f.offset, v, true);
    return this;
  }

  s64(f: { offset: number }, v: bigint): this {
    this.view.setBigInt64(this.base + f.offset, v, true);
    return this;
  }

  put(f: { offset: number; size: number }, b: Uint8Array): this {
    assert.ok(b.length <= f.size);
    this.bytes.fill(0, this.base + f.offset, this.base + f.offset + f.size);
    this.bytes.set(b, this.base + f.offset);
    return this;
  }

  header(type: number, owner = true): this {
    this.u64(H.ktime_ns, KTIME).u32(H.type, type);
    if (!owner) return this;
    return this.u32(H.pid, 4242)
      .u32(H.tid, 4243)
      .u32(H.ppid, 1)
      .u32(H.uid, 1000)
      .u32(H.gid, 100)
      .u64(H.cgroup_id, 2n ** 40n + 7n)
      .put(H.comm, utf8.encode('curl\0'));
  }

  decode(size = this.bytes.length - this.base): NetDecodeResult {
    return decodeNetRecord(this.bytes, this.view, this.base, size, clock);
  }
}

interface TcpOpts {
  type?: number;
  family?: number;
  local?: Uint8Array;
  remote?: Uint8Array;
  lport?: number;
  rport?: number;
  flags?: number;
  oldState?: number;
  sent?: bigint;
  received?: bigint;
  duration?: bigint;
  owner?: boolean;
}

function tcpRecord(o: TcpOpts = {}, base = 0, fill = 0, slack = 0): Rec {
  return new Rec(TCP_EVENT.size, base, slack, fill)
    .header(o.type ?? NetEventTypeId.tcp_connect, o.owner ?? true)
    .u16(T.family, o.family ?? AF_INET)
    .u16(T.local_port, o.lport ?? 40_001)
    .u16(T.remote_port, o.rport ?? 443)
    .u8(T.flags, o.flags ?? NET_OWNER_KNOWN | NET_OUTBOUND)
    .u8(T.old_state, o.oldState ?? 2)
    .put(T.local_addr, o.local ?? v4(10, 0, 0, 1))
    .put(T.remote_addr, o.remote ?? v4(93, 184, 216, 34))
    .u64(T.bytes_sent, o.sent ?? 0n)
    .u64(T.bytes_received, o.received ?? 0n)
    .u64(T.duration_ns, o.duration ?? 0n);
}

interface CallOpts {
  type?: number;
  family?: number;
  local?: Uint8Array;
  remote?: Uint8Array;
  lport?: number;
  rport?: number;
  protocol?: number;
  flags?: number;
  result?: bigint;
  bytes?: bigint;
}

function callRecord(o: CallOpts = {}): Rec {
  return new Rec(SOCKADDR_EVENT.size)
    .header(o.type ?? NetEventTypeId.connect)
    .u16(S.family, o.family ?? AF_INET)
    .u16(S.local_port, o.lport ?? 0)
    .u16(S.remote_port, o.rport ?? 53)
    .u8(S.protocol, o.protocol ?? IPPROTO_TCP)
    .u8(S.flags, o.flags ?? NET_OWNER_KNOWN | NET_OUTBOUND)
    .put(S.local_addr, o.local ?? v4(0, 0, 0, 0))
    .put(S.remote_addr, o.remote ?? v4(127, 0, 0, 53))
    .s64(S.result, o.result ?? 0n)
    .u64(S.bytes, o.bytes ?? 0n);
}

function ok(r: NetDecodeResult): NetEvent {
  if ('error' in r) assert.fail(`unexpected decode error: ${r.error}`);
  return r;
}

function errorOf(r: NetDecodeResult): string {
  assert.ok('error' in r, `expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

describe('net layouts', () => {
  it('match the C structs in bpf/include/net.h (offsets by hand)', () => {
    const at = (l: typeof TCP_EVENT | typeof SOCKADDR_EVENT) =>
      Object.fromEntries(Object.entries(l.fields).map(([k, f]) => [k, [f.offset, f.size]]));
    assert.deepEqual(at(TCP_EVENT), {
      hdr: [0, 56],
      bytes_sent: [56, 8],
      bytes_received: [64, 8],
      duration_ns: [72, 8],
      family: [80, 2],
      local_port: [82, 2],
      remote_port: [84, 2],
      flags: [86, 1],
      old_state: [87, 1],
      local_addr: [88, 16],
      remote_addr: [104, 16],
    });
    assert.equal(TCP_EVENT.size, 120);
    assert.deepEqual(at(SOCKADDR_EVENT), {
      hdr: [0, 56],
      result: [56, 8],
      bytes: [64, 8],
      family: [72, 2],
      local_port: [74, 2],
      remote_port: [76, 2],
      protocol: [78, 1],
      flags: [79, 1],
      local_addr: [80, 16],
      remote_addr: [96, 16],
    });
    assert.equal(SOCKADDR_EVENT.size, 112);
    assert.deepEqual(
      NET_LAYOUTS.map((l) => l.name),
      ['bw_tcp_event', 'bw_sockaddr_event'],
    );
  });

  it('use the constants net.h and events.h define', () => {
    const text = (f: string) =>
      readFileSync(new URL(`../../../../bpf/include/${f}`, import.meta.url), 'utf8');
    const net = text('net.h');
    const events = text('events.h');
    const def = (name: string): number => {
      const m = new RegExp(`#define ${name} (0x[0-9a-f]+|\\d+)`).exec(net);
      assert.ok(m, `${name} in net.h`);
      return Number(m[1]);
    };
    const enumValue = (name: string): number => {
      const m = new RegExp(`${name} = (\\d+)`).exec(events);
      assert.ok(m, `${name} in events.h`);
      return Number(m[1]);
    };
    assert.equal(AF_INET, def('BW_AF_INET'));
    assert.equal(AF_INET6, def('BW_AF_INET6'));
    assert.equal(IPPROTO_TCP, def('BW_IPPROTO_TCP'));
    assert.equal(IPPROTO_UDP, def('BW_IPPROTO_UDP'));
    assert.equal(NET_OWNER_KNOWN, def('BW_NET_OWNER_KNOWN'));
    assert.equal(NET_BYTES_KNOWN, def('BW_NET_BYTES_KNOWN'));
    assert.equal(NET_DURATION_KNOWN, def('BW_NET_DURATION_KNOWN'));
    assert.equal(NET_OUTBOUND, def('BW_NET_OUTBOUND'));
    assert.equal(NET_INBOUND, def('BW_NET_INBOUND'));
    assert.equal(NET_BYTES_PARTIAL, def('BW_NET_BYTES_PARTIAL'));
    assert.equal(NetEventTypeId.tcp_connect, enumValue('BW_EV_TCP_CONNECT'));
    assert.equal(NetEventTypeId.tcp_accept, enumValue('BW_EV_TCP_ACCEPT'));
    assert.equal(NetEventTypeId.tcp_close, enumValue('BW_EV_TCP_CLOSE'));
    assert.equal(NetEventTypeId.connect, enumValue('BW_EV_CONNECT'));
    assert.equal(NetEventTypeId.udp_send, enumValue('BW_EV_UDP_SEND'));
    assert.equal(ADDR_LEN, 16);
  });

  it('every decoded type is an event type', () => {
    for (const t of Object.keys(NetEventTypeId)) assert.ok((EVENT_TYPES as readonly string[]).includes(t), t);
  });

  it('name the kernel TCP states', () => {
    assert.deepEqual(
      [
        TCP_STATES[1],
        TCP_STATES[2],
        TCP_STATES[3],
        TCP_STATES[4],
        TCP_STATES[7],
        TCP_STATES[9],
        TCP_STATES[12],
      ],
      ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'CLOSE', 'LAST_ACK', 'NEW_SYN_RECV'],
    );
  });
});

describe('decodeNetRecord: TCP transitions', () => {
  it('tcp_connect over IPv4: header, endpoints, owner', () => {
    assert.deepEqual(ok(tcpRecord().decode()), {
      ...HDR_EXPECT,
      type: 'tcp_connect',
      family: 4,
      protocol: 'tcp',
      direction: 'outbound',
      localAddr: '10.0.0.1',
      localPort: 40_001,
      remoteAddr: '93.184.216.34',
      remotePort: 443,
      ownerKnown: true,
    });
  });

  it('tcp_accept with no owner: zero header fields, inbound', () => {
    const e = ok(
      tcpRecord({
        type: NetEventTypeId.tcp_accept,
        flags: NET_INBOUND,
        owner: false,
        lport: 22,
        rport: 51_000,
      }).decode(),
    );
    assert.equal(e.type, 'tcp_accept');
    assert.deepEqual(
      [e.pid, e.tid, e.ppid, e.uid, e.comm, e.cgroupId, e.direction, e.localPort, e.remotePort],
      [0, 0, 0, 0, '', 0, 'inbound', 22, 51_000],
    );
    assert.ok(e.type === 'tcp_accept' && e.ownerKnown === false);
  });

  it('tcp_close carries bytes, duration and the state it closed from; u64 above 2^32 exact', () => {
    const e = ok(
      tcpRecord({
        type: NetEventTypeId.tcp_close,
        flags: NET_OWNER_KNOWN | NET_OUTBOUND | NET_BYTES_KNOWN | NET_DURATION_KNOWN,
        oldState: 9,
        sent: 2n ** 40n + 3n,
        received: 6789n,
        duration: 3_000_000_000_123n,
      }).decode(),
    );
    assert.ok(e.type === 'tcp_close');
    assert.deepEqual(
      [e.bytesSent, e.bytesReceived, e.durationNs, e.closedFrom, e.ownerKnown],
      [2 ** 40 + 3, 6789, 3_000_000_000_123, 'LAST_ACK', true],
    );
  });

  it('tcp_close without the kernel counters or an open seen: nulls, not zeros', () => {
    const e = ok(
      tcpRecord({
        type: NetEventTypeId.tcp_close,
        flags: 0,
        oldState: 1,
        sent: 99n,
        received: 99n,
        duration: 99n,
      }).decode(),
    );
    assert.ok(e.type === 'tcp_close');
    assert.deepEqual(
      [e.bytesSent, e.bytesReceived, e.durationNs, e.closedFrom, e.direction, e.ownerKnown],
      [null, null, null, 'ESTABLISHED', 'unknown', false],
    );
  });

  it('an unknown state number reads as the number', () => {
    const e = ok(tcpRecord({ type: NetEventTypeId.tcp_close, oldState: 200 }).decode());
    assert.ok(e.type === 'tcp_close' && e.closedFrom === '200');
  });

  it('IPv6 addresses in canonical text', () => {
    const e = ok(
      tcpRecord({ family: AF_INET6, local: v6('::1'), remote: v6('2001:db8:0:0:1:0:0:1') }).decode(),
    );
    assert.ok(e.type === 'tcp_connect');
    assert.deepEqual([e.family, e.localAddr, e.remoteAddr], [6, '::1', '2001:db8::1:0:0:1']);
  });

  it('IPv4-mapped IPv6 (a dual-stack socket) reads as IPv4, family 4', () => {
    const e = ok(
      tcpRecord({ family: AF_INET6, local: mapped(127, 0, 0, 1), remote: mapped(10, 1, 2, 3) }).decode(),
    );
    assert.ok(e.type === 'tcp_connect');
    assert.deepEqual([e.family, e.localAddr, e.remoteAddr], [4, '127.0.0.1', '10.1.2.3']);
  });

  it('IPv4 reads only the first 4 address bytes', () => {
    const local = new Uint8Array(16).fill(0xee);
    local.set([192, 168, 1, 2]);
    const e = ok(tcpRecord({ local }).decode());
    assert.ok(e.type === 'tcp_connect' && e.localAddr === '192.168.1.2');
  });

  it('reads a record at an offset inside a larger dirty buffer', () => {
    const r = tcpRecord({}, 24, 0x41, 32);
    const e = ok(r.decode(TCP_EVENT.size));
    assert.ok(e.type === 'tcp_connect');
    assert.deepEqual([e.comm, e.remoteAddr, e.remotePort], ['curl', '93.184.216.34', 443]);
  });
});

describe('decodeNetRecord: connect and udp_send', () => {
  it('connect refused: negative result, protocol, endpoints', () => {
    const e = ok(callRecord({ result: -111n, rport: 8080, lport: 0 }).decode());
    assert.deepEqual(e, {
      ...HDR_EXPECT,
      type: 'connect',
      family: 4,
      protocol: 'tcp',
      direction: 'outbound',
      localAddr: '0.0.0.0',
      localPort: 0,
      remoteAddr: '127.0.0.53',
      remotePort: 8080,
      result: -111,
    });
  });

  it('protocol: tcp, udp, anything else unknown', () => {
    const proto = (p: number) => {
      const e = ok(callRecord({ protocol: p }).decode());
      return e.type === 'connect' ? e.protocol : '';
    };
    assert.deepEqual(
      [proto(IPPROTO_TCP), proto(IPPROTO_UDP), proto(0), proto(1)],
      ['tcp', 'udp', 'unknown', 'unknown'],
    );
  });

  it('udp_send over IPv6: bytes, result, the partial flag', () => {
    const e = ok(
      callRecord({
        type: NetEventTypeId.udp_send,
        family: AF_INET6,
        protocol: IPPROTO_UDP,
        local: v6('::'),
        remote: v6('fe80::1'),
        lport: 5353,
        rport: 53,
        bytes: 2n ** 33n + 5n,
        result: 512n,
        flags: NET_OWNER_KNOWN | NET_OUTBOUND | NET_BYTES_PARTIAL,
      }).decode(),
    );
    assert.ok(e.type === 'udp_send');
    assert.deepEqual(
      [e.family, e.localAddr, e.localPort, e.remoteAddr, e.remotePort, e.bytes, e.result, e.bytesPartial],
      [6, '::', 5353, 'fe80::1', 53, 2 ** 33 + 5, 512, true],
    );
  });

  it('results: large positive and -errno, exact without BigInt', () => {
    const r = (v: bigint) => {
      const e = ok(callRecord({ type: NetEventTypeId.udp_send, result: v }).decode());
      return e.type === 'udp_send' ? e.result : Number.NaN;
    };
    assert.deepEqual(
      [r(0n), r(-1n), r(-115n), r(2n ** 40n), r(-(2n ** 40n))],
      [0, -1, -115, 2 ** 40, -(2 ** 40)],
    );
  });
});

describe('decodeNetRecord: malformed records give errors, never throws', () => {
  it('short header, short records, overrun, unknown type and family', () => {
    assert.match(errorOf(tcpRecord().decode(HEADER.size - 1)), /shorter than the header/);
    assert.match(
      errorOf(tcpRecord().decode(TCP_EVENT.size - 1)),
      /tcp_connect record of 119 bytes, expected 120/,
    );
    assert.match(
      errorOf(callRecord().decode(SOCKADDR_EVENT.size - 1)),
      /connect record of 111 bytes, expected 112/,
    );
    const r = tcpRecord();
    assert.match(errorOf(decodeNetRecord(r.bytes, r.view, 8, TCP_EVENT.size, clock)), /overruns/);
    assert.match(errorOf(decodeNetRecord(r.bytes, r.view, -1, 10, clock)), /overruns/);
    assert.match(errorOf(tcpRecord({ type: 3 }).decode()), /unknown network event type 3/);
    assert.match(errorOf(tcpRecord({ family: 1 }).decode()), /unknown address family 1/);
    assert.match(errorOf(callRecord({ family: 0 }).decode()), /unknown address family 0/);
  });

  it('any bytes: an event or an error', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 160 }),
        fc.constantFrom(...Object.values(NetEventTypeId), 0, 99),
        fc.nat(170),
        (raw, type, size) => {
          const bytes = new Uint8Array(Math.max(raw.length, 16));
          bytes.set(raw);
          const view = new DataView(bytes.buffer);
          if (bytes.length >= 12) view.setUint32(8, type, true);
          const r = decodeNetRecord(bytes, view, 0, size, clock);
          assert.ok('error' in r || typeof r.type === 'string');
        },
      ),
    );
  });
});

describe('formatNetAddr', () => {
  it('IPv4, IPv6, IPv4-mapped, unknown family', () => {
    assert.deepEqual(formatNetAddr(AF_INET, v4(1, 2, 3, 4), 0), { version: 4, text: '1.2.3.4' });
    assert.deepEqual(formatNetAddr(AF_INET6, v6('::1'), 0), { version: 6, text: '::1' });
    assert.deepEqual(formatNetAddr(AF_INET6, v6('2001:db8::'), 0), { version: 6, text: '2001:db8::' });
    assert.deepEqual(formatNetAddr(AF_INET6, mapped(8, 8, 4, 4), 0), { version: 4, text: '8.8.4.4' });
    assert.equal(formatNetAddr(1, v4(1, 2, 3, 4), 0), null);
  });

  it('only ::ffff:0:0/96 is mapped (not ::a.b.c.d or ::fffe:...)', () => {
    assert.equal(isIpv4Mapped(mapped(1, 2, 3, 4), 0), true);
    assert.equal(isIpv4Mapped(v6('::102:304'), 0), false);
    assert.equal(isIpv4Mapped(v6('::fffe:102:304'), 0), false);
    assert.equal(isIpv4Mapped(v6('1::ffff:102:304'), 0), false);
    assert.deepEqual(formatNetAddr(AF_INET6, v6('::102:304'), 0), { version: 6, text: '::102:304' });
  });

  it('reads at an offset', () => {
    const b = new Uint8Array(20).fill(9);
    b.set(mapped(10, 0, 0, 1), 4);
    assert.deepEqual(formatNetAddr(AF_INET6, b, 4), { version: 4, text: '10.0.0.1' });
  });
});
