/** Enforcement decision records decode into policy events; malformed ones give errors, never throws. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BootClock } from '../../../../src/domain/clock.ts';
import { HEADER } from '../../../../src/domain/layout/header.ts';
import {
  POLICY,
  POLICY_AUDITED,
  POLICY_DENIED,
  POLICY_LOGGED,
  POLICY_MIN_SIZE,
  POLICY_REASON_RATE_LIMIT,
  PolicyEventTypeId,
} from '../../../../src/domain/layout/policy-record.ts';
import { createDecoder } from '../../../../src/families/decoder.ts';
import { AF_INET, AF_INET6 } from '../../../../src/families/net/layout.ts';
import { decodePolicyRecord } from '../../../../src/families/policy/decode.ts';

const H = HEADER.fields;
const F = POLICY.fields;
const clock = (): BootClock => new BootClock(1_700_000_000_123_456_789n);

interface Rec {
  type: number;
  pid?: number;
  comm?: string;
  action: number;
  reason?: number;
  ruleId?: number;
  suppressed?: number;
  ifindex?: number;
  family?: number;
  protocol?: number;
  srcPort?: number;
  dstPort?: number;
  src?: number[];
  dst?: number[];
  path?: string;
  inode?: bigint;
  dev?: number;
}

function record(r: Rec, size = POLICY.size): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setBigUint64(H.ktime_ns.offset, 5_000_000_000n, true);
  v.setUint32(H.type.offset, r.type, true);
  v.setUint32(H.pid.offset, r.pid ?? 321, true);
  v.setUint32(H.tid.offset, r.pid ?? 321, true);
  v.setUint32(H.uid.offset, 1000, true);
  b.set(new TextEncoder().encode(r.comm ?? 'curl'), H.comm.offset);
  const put = (field: keyof typeof F, fn: (off: number) => void): void => {
    if (F[field].offset + F[field].size <= size) fn(F[field].offset);
  };
  put('inode', (o) => v.setBigUint64(o, r.inode ?? 0n, true));
  put('dev', (o) => v.setUint32(o, r.dev ?? 0, true));
  put('rule_id', (o) => v.setUint32(o, r.ruleId ?? 0, true));
  put('ifindex', (o) => v.setUint32(o, r.ifindex ?? 0, true));
  put('suppressed', (o) => v.setUint32(o, r.suppressed ?? 0, true));
  put('family', (o) => v.setUint16(o, r.family ?? 0, true));
  put('src_port', (o) => v.setUint16(o, r.srcPort ?? 0, true));
  put('dst_port', (o) => v.setUint16(o, r.dstPort ?? 0, true));
  put('protocol', (o) => v.setUint8(o, r.protocol ?? 0));
  put('action', (o) => v.setUint8(o, r.action));
  put('reason', (o) => v.setUint8(o, r.reason ?? 0));
  put('src_addr', (o) => b.set(r.src ?? [], o));
  put('dst_addr', (o) => b.set(r.dst ?? [], o));
  if (r.path && F.path.offset < size) b.set(new TextEncoder().encode(r.path), F.path.offset);
  return b;
}

const decode = (b: Uint8Array) => decodePolicyRecord(b, new DataView(b.buffer), 0, b.length, clock());

describe('policy record decoding', () => {
  it('an egress denial names the rule, the destination and the protocol', () => {
    const e = decode(
      record({
        type: PolicyEventTypeId.policy_egress,
        action: POLICY_DENIED,
        ruleId: 7,
        family: AF_INET,
        protocol: 6,
        dstPort: 443,
        dst: [10, 1, 2, 3],
      }),
    );
    assert.ok(!('error' in e));
    assert.equal(e.type, 'policy_egress');
    assert.equal(e.action, 'denied');
    assert.equal(e.ruleId, 7);
    assert.equal(e.family, 4);
    assert.equal(e.protocol, 6);
    assert.equal(e.dstAddr, '10.1.2.3');
    assert.equal(e.dstPort, 443);
    assert.equal(e.srcAddr, null, 'an unbound source is unknown, not 0.0.0.0');
    assert.equal(e.srcPort, null);
    assert.equal(e.path, null);
    assert.equal(e.inode, null);
    assert.equal(e.pid, 321);
    assert.equal(e.comm, 'curl');
  });

  it('an exec kill carries the path, inode and device', () => {
    const e = decode(
      record({
        type: PolicyEventTypeId.policy_exec,
        action: POLICY_DENIED,
        ruleId: 3,
        path: '/usr/bin/nc',
        inode: 260958n,
        dev: 65024,
      }),
    );
    assert.ok(!('error' in e));
    assert.equal(e.type, 'policy_exec');
    assert.equal(e.path, '/usr/bin/nc');
    assert.equal(e.inode, 260958);
    assert.equal(e.dev, 65024);
    assert.equal(e.family, null);
    assert.equal(e.protocol, null);
    assert.equal(e.dstAddr, null);
  });

  it('a firewall record without a path decodes from the shorter size', () => {
    const e = decode(
      record(
        {
          type: PolicyEventTypeId.policy_firewall,
          action: POLICY_LOGGED,
          reason: POLICY_REASON_RATE_LIMIT,
          ifindex: 4,
          suppressed: 12,
          family: AF_INET6,
          protocol: 17,
          srcPort: 5353,
          dstPort: 53,
          src: [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1],
          dst: [...Array(15).fill(0), 1],
        },
        POLICY_MIN_SIZE,
      ),
    );
    assert.ok(!('error' in e));
    assert.equal(e.type, 'policy_firewall');
    assert.equal(e.action, 'logged');
    assert.equal(e.reason, 'rate_limit');
    assert.equal(e.suppressed, 12);
    assert.equal(e.ifindex, 4);
    assert.equal(e.srcAddr, '2001:db8::1');
    assert.equal(e.srcPort, 5353);
    assert.equal(e.dstAddr, '::1');
    assert.equal(e.path, null);
  });

  it('audited actions, and the policy decoder from the registry', () => {
    const b = record({ type: PolicyEventTypeId.policy_egress, action: POLICY_AUDITED, family: AF_INET });
    const d = createDecoder({ family: 'policy' }, clock());
    const e = d(b, new DataView(b.buffer), 0, b.length);
    assert.ok(e && !('error' in e) && e.type === 'policy_egress');
    assert.equal((e as { action: string }).action, 'audited');
  });

  it('rejects unknown types and actions, short and overrunning records', () => {
    assert.match(
      (decode(record({ type: 20, action: 1 })) as { error: string }).error,
      /unknown policy event type 20/,
    );
    assert.match((decode(record({ type: 50, action: 9 })) as { error: string }).error, /unknown action 9/);
    assert.match(
      (decode(record({ type: 50, action: 1 }, POLICY_MIN_SIZE - 8)) as { error: string }).error,
      /policy record of/,
    );
    const b = record({ type: 50, action: 1 });
    assert.match(
      (decodePolicyRecord(b, new DataView(b.buffer), 8, b.length, clock()) as { error: string }).error,
      /overruns/,
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: POLICY.size + 16 }), (bytes) => {
        const r = decodePolicyRecord(bytes, new DataView(bytes.buffer), 0, bytes.length, clock());
        assert.ok(typeof r === 'object');
      }),
    );
  });
});
