import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cidrContains, formatCidr, parseCidr, parseIp } from '../../../src/domain/enforce/firewall/cidr.ts';

const ok = (s: string) => {
  const r = parseCidr(s);
  assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error}`);
  return r.cidr;
};
const err = (s: string): string => {
  const r = parseCidr(s);
  assert.ok(!r.ok, `${s} should be refused`);
  return r.error;
};

test('IPv4 and IPv6 prefixes parse and print canonically', () => {
  assert.equal(formatCidr(ok('10.0.0.0/8')), '10.0.0.0/8');
  assert.equal(formatCidr(ok('192.0.2.7')), '192.0.2.7/32');
  assert.equal(formatCidr(ok('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(formatCidr(ok('2001:DB8::/32')), '2001:db8::/32');
  assert.equal(formatCidr(ok('fd00:0:0:0:0:0:0:1')), 'fd00::1/128');
  assert.equal(formatCidr(ok('::/0')), '::/0');
  assert.equal(formatCidr(ok('::ffff:10.1.2.3/128')), '::ffff:10.1.2.3/128');
  assert.equal(ok('2001:db8::/32').family, 6);
  assert.equal(ok('2001:db8::/32').addr.length, 16);
  assert.equal(ok('10.1.0.0/16').addr.length, 4);
});

test('bad prefixes are refused with the reason', () => {
  assert.match(err('10.0.0.300/8'), /not an IP address or CIDR prefix.*expected/);
  assert.match(err('10.0.0.0/33'), /prefix length must be 0 to 32/);
  assert.match(err('2001:db8::/129'), /0 to 128/);
  assert.match(err('10.0.0.1/8'), /host bits set after \/8; did you mean 10\.0\.0\.0\/8\?/);
  assert.match(err('fe80::1%eth0'), /not an IP address/);
  assert.match(err('1:2:3:4:5:6:7:8:9'), /not an IP address/);
  assert.match(err('1::2::3'), /not an IP address/);
  assert.match(err('010.0.0.0/8'), /not an IP address/);
  assert.match(err('10.0.0.0/'), /prefix length/);
  assert.match(err(''), /not an IP address/);
});

test('containment follows the prefix bits', () => {
  const net = ok('10.128.0.0/9');
  assert.ok(cidrContains(net, parseIp('10.200.1.1')!.addr));
  assert.ok(!cidrContains(net, parseIp('10.127.255.255')!.addr));
  assert.ok(cidrContains(ok('::/0'), parseIp('2001:db8::1')!.addr));
});

test('property: every IPv4 address/prefix round-trips after truncation', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, len) => {
      const host = ok(ip);
      const bits = [...host.addr]
        .map((b) => b.toString(2).padStart(8, '0'))
        .join('')
        .slice(0, len)
        .padEnd(32, '0');
      const bytes = [0, 1, 2, 3].map((i) => Number.parseInt(bits.slice(i * 8, i * 8 + 8), 2));
      const text = `${bytes.join('.')}/${len}`;
      const c = ok(text);
      assert.equal(formatCidr(c), text);
      assert.ok(cidrContains(c, host.addr));
    }),
  );
});

test('property: IPv6 text from fast-check parses, prints, and parses to the same bytes', () => {
  fc.assert(
    fc.property(fc.ipV6(), (ip) => {
      const a = ok(ip);
      const b = ok(formatCidr(a));
      assert.deepEqual(b.addr, a.addr);
      assert.equal(b.prefix, 128);
    }),
  );
});
