/** One IP parser behind both rule kinds: firewall and policy accept and refuse the same texts. */
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCidr as firewallCidr } from '../../../src/domain/enforce/firewall/cidr.ts';
import { parseCidr as policyCidr } from '../../../src/domain/net/ip.ts';

test('firewall and policy CIDRs agree on every text, and on the network bytes', () => {
  const chars = fc.constantFrom(...'0123456789abcdef:./'.split(''));
  fc.assert(
    fc.property(
      fc.array(chars, { maxLength: 28 }).map((a) => a.join('')),
      (s) => {
        const f = firewallCidr(s);
        const p = policyCidr(s);
        assert.equal(f.ok, 'cidr' in p, s);
        if (f.ok && 'cidr' in p) {
          assert.deepEqual(f.cidr.addr, p.cidr.bytes);
          assert.equal(f.cidr.prefix, p.cidr.prefixLen);
        }
      },
    ),
    { numRuns: 5000 },
  );
});

test('dotted IPv4 leading an IPv6 text is refused, as node:net refuses it', () => {
  for (const s of ['1.2.3.4::', '1.2.3.4::5']) {
    assert.equal(isIP(s), 0);
    const f = firewallCidr(s);
    assert.ok(!f.ok && /not an IP address or CIDR prefix/.test(f.error), s);
  }
});
