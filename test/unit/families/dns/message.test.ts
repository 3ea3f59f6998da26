import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dnsRcodeName, dnsTypeName, parseDnsMessage } from '../../../../src/families/dns/message.ts';
import { encodeName, ipv4, ipv6, message, TYPE } from '../../../support/dns-wire.ts';

const PTR_QNAME = [0xc0, 12];

describe('parseDnsMessage', () => {
  it('reads a query: header flags, counts and the question', () => {
    const m = parseDnsMessage(
      message({ id: 0xbeef, questions: [{ name: 'www.example.com', type: TYPE.AAAA }] }),
    );
    assert.ok(m);
    assert.deepEqual(m.header, {
      id: 0xbeef,
      qr: false,
      opcode: 0,
      aa: false,
      tc: false,
      rd: true,
      ra: false,
      rcode: 0,
      qdcount: 1,
      ancount: 0,
      nscount: 0,
      arcount: 0,
    });
    assert.deepEqual(m.questions, [{ name: 'www.example.com', type: 28, class: 1 }]);
    assert.deepEqual(m.answers, []);
    assert.equal(m.complete, true);
  });

  it('reads A, AAAA and CNAME answers, following compression pointers', () => {
    const bytes = message({
      id: 1,
      response: true,
      questions: [{ name: 'a.example.org', type: TYPE.A }],
      answers: [
        // CNAME a.example.org -> b + pointer to "example.org" inside the question (offset 14).
        { name: PTR_QNAME, type: TYPE.CNAME, ttl: 300, rdata: [1, 0x62, 0xc0, 14] },
        { name: [1, 0x62, 0xc0, 14], type: TYPE.A, ttl: 20, rdata: ipv4('192.0.2.1') },
        {
          name: [1, 0x62, 0xc0, 14],
          type: TYPE.AAAA,
          ttl: 20,
          rdata: ipv6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]),
        },
        { name: PTR_QNAME, type: TYPE.MX, ttl: 5, rdata: [0, 10, ...encodeName('mx.example.org')] },
      ],
    });
    const m = parseDnsMessage(bytes);
    assert.ok(m);
    assert.equal(m.header.qr, true);
    assert.deepEqual(m.answers, [
      { name: 'a.example.org', type: 5, class: 1, ttl: 300, data: 'b.example.org' },
      { name: 'b.example.org', type: 1, class: 1, ttl: 20, data: '192.0.2.1' },
      { name: 'b.example.org', type: 28, class: 1, ttl: 20, data: '2001:db8::1' },
      { name: 'a.example.org', type: 15, class: 1, ttl: 5, data: null },
    ]);
    assert.equal(m.complete, true);
  });

  it('reads the rcode and a TTL above 2^31', () => {
    const m = parseDnsMessage(
      message({
        id: 2,
        response: true,
        rcode: 3,
        questions: [{ name: 'x', type: 1 }],
        answers: [{ name: PTR_QNAME, type: TYPE.A, ttl: 0xfffffffe, rdata: ipv4('1.2.3.4') }],
      }),
    );
    assert.equal(m?.header.rcode, 3);
    assert.equal(m?.answers[0]?.ttl, 0xfffffffe);
  });

  it('gives null for less than a header, and reads a header-only message', () => {
    assert.equal(parseDnsMessage(new Uint8Array(11)), null);
    const m = parseDnsMessage(new Uint8Array(12));
    assert.deepEqual([m?.questions, m?.answers, m?.complete], [[], [], true]);
  });

  it('reads the root name as "."', () => {
    const m = parseDnsMessage(message({ id: 3, questions: [{ name: '', type: TYPE.NS }] }));
    assert.equal(m?.questions[0]?.name, '.');
  });

  it('survives a pointer loop: the name is unreadable, nothing throws', () => {
    // Question name is a pointer to itself.
    const bytes = Uint8Array.from([...message({ id: 4, qdcount: 1 }), 0xc0, 12, 0, 1, 0, 1]);
    const m = parseDnsMessage(bytes);
    assert.ok(m);
    assert.deepEqual(m.questions, []);
    assert.equal(m.complete, false);
    // Two pointers pointing at each other.
    const two = Uint8Array.from([...message({ id: 5, qdcount: 1 }), 0xc0, 14, 0xc0, 12, 0, 1, 0, 1]);
    assert.equal(parseDnsMessage(two)?.complete, false);
  });

  it('refuses names longer than 255 bytes and reserved label types', () => {
    const long = Array.from({ length: 5 }, () => 'x'.repeat(60)).join('.');
    const m = parseDnsMessage(message({ id: 6, questions: [{ name: long, type: 1 }] }));
    assert.deepEqual([m?.questions.length, m?.complete], [0, false]);
    const reserved = Uint8Array.from([...message({ id: 7, qdcount: 1 }), 0x40, 1, 0, 1, 0, 1]);
    assert.equal(parseDnsMessage(reserved)?.questions.length, 0);
  });

  it('stops at a cut message: what was whole is kept, complete is false', () => {
    const full = message({
      id: 8,
      response: true,
      questions: [{ name: 'cut.example', type: 1 }],
      answers: [
        { name: PTR_QNAME, type: TYPE.A, rdata: ipv4('10.0.0.1') },
        { name: PTR_QNAME, type: TYPE.A, rdata: ipv4('10.0.0.2') },
      ],
    });
    const m = parseDnsMessage(full, 0, full.length - 1);
    assert.deepEqual(
      m?.answers.map((a) => a.data),
      ['10.0.0.1'],
    );
    assert.equal(m?.complete, false);
    // Counts claiming more than there is.
    const liar = message({ id: 9, response: true, questions: [{ name: 'a', type: 1 }], ancount: 3 });
    assert.equal(parseDnsMessage(liar)?.complete, false);
  });

  it('gives no data for an A record of the wrong length, or a CNAME target outside its record', () => {
    const m = parseDnsMessage(
      message({
        id: 10,
        response: true,
        questions: [{ name: 'w', type: 1 }],
        answers: [
          { name: PTR_QNAME, type: TYPE.A, rdata: [1, 2, 3] },
          // rdlength 1, but the name runs on past it.
          { name: PTR_QNAME, type: TYPE.CNAME, rdata: [3] },
        ],
      }),
    );
    assert.deepEqual(
      m?.answers.map((a) => a.data),
      [null, null],
    );
  });

  it('escapes dots, backslashes and unprintable bytes in labels', () => {
    const bytes = Uint8Array.from([
      ...message({ id: 11, qdcount: 1 }),
      4,
      0x61,
      0x2e,
      0x5c,
      0x07,
      0,
      0,
      1,
      0,
      1,
    ]);
    assert.equal(parseDnsMessage(bytes)?.questions[0]?.name, 'a\\.\\\\\\007');
  });

  it('reads a message at an offset, its pointers relative to the message', () => {
    const msg = message({
      id: 12,
      response: true,
      questions: [{ name: 'off.set', type: 1 }],
      answers: [{ name: PTR_QNAME, type: TYPE.A, rdata: ipv4('9.9.9.9') }],
    });
    const buf = new Uint8Array(msg.length + 40).fill(0xc0);
    buf.set(msg, 30);
    const m = parseDnsMessage(buf, 30, msg.length);
    assert.equal(m?.answers[0]?.name, 'off.set');
    assert.equal(m?.answers[0]?.data, '9.9.9.9');
  });

  it('bounds the work whatever the header claims', () => {
    const many = message({
      id: 13,
      response: true,
      questions: [{ name: 'm', type: 1 }],
      answers: Array.from({ length: 100 }, () => ({ name: PTR_QNAME, type: TYPE.A, rdata: ipv4('1.1.1.1') })),
    });
    const m = parseDnsMessage(many);
    assert.equal(m?.answers.length, 64);
    assert.equal(m?.complete, false);
  });

  it('never throws on random bytes, offsets and lengths', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: -5, max: 700 }),
        fc.integer({ min: -5, max: 700 }),
        (b, off, len) => {
          const m = parseDnsMessage(b, off, len);
          assert.ok(m === null || Array.isArray(m.questions));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated valid messages (pointers and counts included)', () => {
    const base = message({
      id: 14,
      response: true,
      questions: [{ name: 'fuzz.example.net', type: 1 }],
      answers: [
        { name: PTR_QNAME, type: TYPE.CNAME, rdata: [1, 0x62, 0xc0, 17] },
        { name: [1, 0x62, 0xc0, 17], type: TYPE.A, rdata: ipv4('192.0.2.9') },
      ],
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(base.length),
        (edits, cut) => {
          const b = Uint8Array.from(base);
          for (const [i, v] of edits) b[i] = v;
          const m = parseDnsMessage(b, 0, cut);
          assert.ok(m === null || m.answers.length <= 64);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('names of types and rcodes', () => {
  it('names the common ones and falls back to RFC 3597 style', () => {
    assert.deepEqual([1, 28, 5, 65, 255, 4242].map(dnsTypeName), [
      'A',
      'AAAA',
      'CNAME',
      'HTTPS',
      'ANY',
      'TYPE4242',
    ]);
    assert.deepEqual([0, 2, 3, 5, 15].map(dnsRcodeName), [
      'NOERROR',
      'SERVFAIL',
      'NXDOMAIN',
      'REFUSED',
      'RCODE15',
    ]);
  });
});
