import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsAnswer, dnsQuery } from '../../../bench/lib/dns-load.ts';

test('dnsQuery: header with id and RD, one question for an A record', () => {
  const q = dnsQuery(0x1234, 'q1.bench.test');
  assert.equal(q.readUInt16BE(0), 0x1234);
  assert.equal(q.readUInt16BE(2), 0x0100);
  assert.equal(q.readUInt16BE(4), 1);
  assert.deepEqual([...q.subarray(12, 16)], [2, 0x71, 0x31, 5]);
  assert.deepEqual([...q.subarray(-5)], [0, 0, 1, 0, 1]);
});

test('dnsAnswer: the same id and question, a response flag and one A record 127.0.0.1', () => {
  const q = dnsQuery(7, 'a.b');
  const a = dnsAnswer(q);
  assert.ok(a);
  assert.equal(a.readUInt16BE(0), 7);
  assert.equal(a.readUInt16BE(2) & 0x8000, 0x8000);
  assert.equal(a.readUInt16BE(6), 1, 'ANCOUNT');
  assert.deepEqual(a.subarray(12, q.length), q.subarray(12));
  assert.deepEqual([...a.subarray(-4)], [127, 0, 0, 1]);
  assert.equal(dnsAnswer(a), null, 'an answer is not answered');
  assert.equal(dnsAnswer(Buffer.alloc(5)), null, 'too short');
});
