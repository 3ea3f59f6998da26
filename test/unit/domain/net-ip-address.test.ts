/** Addresses and CIDRs parse as node:net does, format canonically, and contain what they should. */
import assert from 'node:assert/strict';
import { isIP, SocketAddress } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  cidrContains,
  cidrContainsAddress,
  formatAddress,
  maskBytes,
  parseCidr,
  parseIp,
  parseIpv6,
  unmapIpv4,
} from '../../../src/domain/net/ip.ts';

const canonical6 = (s: string): string => new SocketAddress({ address: s, family: 'ipv6' }).address;

describe('IP addresses', () => {
  it('IPv6 text of any 16 bytes parses back to the same bytes, and node:net agrees on the text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatAddress({ family: 6, bytes });
        assert.deepEqual(parseIpv6(text), bytes);
        assert.equal(text, canonical6(text));
      }),
    );
  });

  it('accepts exactly what node:net accepts (without zone ids)', () => {
    const chars = fc.constantFrom(...'0123456789abcdef:.'.split(''));
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 24 }).map((a) => a.join('')),
        (s) => {
          assert.equal(parseIp(s) !== null, isIP(s) !== 0, s);
        },
      ),
      { numRuns: 5000 },
    );
    for (const s of [
      '::ffff:1.2.3.4',
      '1::',
      '::',
      '2001:db8::1',
      '1:2:3:4:5:6:1.2.3.4',
      '010.0.0.1',
      '1.2.3.04',
    ])
      assert.equal(parseIp(s) !== null, isIP(s) !== 0, s);
  });

  it('IPv4-mapped IPv6 reads as IPv4', () => {
    const a = parseIp('::ffff:127.0.0.1');
    assert.ok(a);
    assert.deepEqual(unmapIpv4(a), { family: 4, bytes: Uint8Array.from([127, 0, 0, 1]) });
  });
});

describe('CIDR', () => {
  it('parses prefixes and bare addresses', () => {
    const c = parseCidr('10.0.0.0/8');
    assert.ok('cidr' in c && c.cidr.prefixLen === 8 && c.cidr.family === 4);
    const h = parseCidr('2001:db8::1');
    assert.ok('cidr' in h && h.cidr.prefixLen === 128);
  });

  it('says what was wrong', () => {
    assert.deepEqual(parseCidr('10.1.0.0/8'), {
      error: '10.1.0.0/8 has host bits set; did you mean 10.0.0.0/8?',
    });
    assert.deepEqual(parseCidr('10.0.0.0/33'), {
      error: 'prefix length "33" must be an integer from 0 to 32',
    });
    assert.deepEqual(parseCidr('example.com/8'), { error: '"example.com" is not an IPv4 or IPv6 address' });
  });

  it('containment follows the leading bits', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 32 }),
        (bytes, a, b) => {
          const outer = {
            family: 4 as const,
            bytes: maskBytes(bytes, Math.min(a, b)),
            prefixLen: Math.min(a, b),
          };
          const inner = {
            family: 4 as const,
            bytes: maskBytes(bytes, Math.max(a, b)),
            prefixLen: Math.max(a, b),
          };
          assert.ok(cidrContains(outer, inner));
          assert.ok(cidrContainsAddress(outer, { family: 4, bytes }));
          if (a !== b) assert.ok(!cidrContains(inner, outer));
        },
      ),
    );
  });
});
