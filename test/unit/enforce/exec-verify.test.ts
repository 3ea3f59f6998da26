/**
 * The agent's side of content rules: the verdict key it stores is the one
 * the kernel sent (round trip through the record layout), a stat of another
 * file (or a rewritten one) does not match it, and the decision is the
 * first applicable candidate matched by path, inode or content.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideVerified,
  encodeFileKey,
  type FileKey,
  keyMatchesStat,
  parseVerifyRequest,
  readFileKey,
  ruleSetBytes,
  slotsAt,
} from '../../../src/domain/enforce/policy/exec-verify.ts';
import { HEADER } from '../../../src/domain/layout/header.ts';
import { POLICY } from '../../../src/domain/layout/policy-record.ts';
import { EXEC_VERIFY } from '../../../src/domain/layout/policy-rules.ts';

const key: FileKey = {
  inode: 260180n,
  dev: 65024,
  ctimeSec: 1_672_924_848n,
  ctimeNsec: 123_456_789,
  size: 125_640n,
  fingerprint: 0xfedcba9876543210n,
};
const stat = { ino: 260180n, dev: 65024n, size: 125_640n, ctimeNs: 1_672_924_848_123_456_789n };

describe('exec verdict keys', () => {
  it('round-trips through the kernel layout', () => {
    const b = encodeFileKey(key);
    assert.deepEqual(readFileKey(new DataView(b.buffer), 0), key);
  });

  it('matches the file the kernel saw, and only it', () => {
    assert.equal(keyMatchesStat(key, stat), true);
    assert.equal(keyMatchesStat(key, { ...stat, ino: 1n }), false, 'another file (reused pid)');
    assert.equal(keyMatchesStat(key, { ...stat, dev: 1n }), false, 'another filesystem');
    assert.equal(keyMatchesStat(key, { ...stat, size: 125_641n }), false, 'one byte appended');
    assert.equal(keyMatchesStat(key, { ...stat, ctimeNs: stat.ctimeNs + 1n }), false, 'rewritten in place');
  });

  it('rule sets encode and decode slots across words', () => {
    const b = ruleSetBytes([0, 63, 64, 200, 255]);
    assert.deepEqual(slotsAt(new DataView(b.buffer), 0), [0, 63, 64, 200, 255]);
    assert.deepEqual(slotsAt(new DataView(ruleSetBytes([]).buffer), 0), []);
  });
});

describe('exec verify requests', () => {
  it('parse as the kernel lays them out', () => {
    const b = new Uint8Array(EXEC_VERIFY.size + 8);
    const off = 8; // inside a batch
    const v = new DataView(b.buffer);
    const ev = off + EXEC_VERIFY.fields.ev.offset;
    v.setUint32(ev + HEADER.fields.pid.offset, 4242, true);
    v.setUint32(ev + HEADER.fields.uid.offset, 1000, true);
    b.set(new TextEncoder().encode('./copy'), ev + POLICY.fields.path.offset);
    b.set(encodeFileKey(key), off + EXEC_VERIFY.fields.key.offset);
    b.set(ruleSetBytes([3]), off + EXEC_VERIFY.fields.matched.offset);
    b.set(ruleSetBytes([1, 3, 70]), off + EXEC_VERIFY.fields.applicable.offset);
    v.setBigUint64(off + EXEC_VERIFY.fields.start_boottime.offset, 5_000_000_000n, true);
    v.setUint32(off + EXEC_VERIFY.fields.buf.offset, 1, true);
    const r = parseVerifyRequest(b, v, off, EXEC_VERIFY.size);
    assert.ok(!('error' in r));
    assert.deepEqual(
      [r.pid, r.uid, r.path, r.buf, r.startBoottimeNs, [...r.matched], r.applicable],
      [4242, 1000, './copy', 1, 5_000_000_000n, [3], [1, 3, 70]],
    );
    assert.deepEqual(r.key, key);
    assert.equal(r.event.length, POLICY.size);
    assert.ok('error' in parseVerifyRequest(b, v, off, EXEC_VERIFY.size - 1), 'short record');
  });

  it('decide: the first applicable candidate matched by path, inode or content', () => {
    const req = { applicable: [1, 3, 70], matched: new Set([3]) };
    assert.equal(decideVerified(req, new Set([1])), 1, 'content rule first');
    assert.equal(decideVerified(req, new Set()), 3, 'content did not match: the path rule after it');
    assert.equal(
      decideVerified(req, new Set([2])),
      3,
      'a content slot that is not applicable (scope) is skipped',
    );
    assert.equal(decideVerified({ applicable: [1], matched: new Set() }, new Set()), undefined, 'allowed');
  });
});
