import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirewallError } from '../../../src/domain/enforce/firewall/errors.ts';
import { netnsLabel, parseIface, refOfKey } from '../../../src/enforce/firewall/iface-ref.ts';

test('a plain name is the interface of the caller namespace: qualified only outside the host', () => {
  assert.deepEqual(parseIface('eth0', undefined), { key: 'eth0', name: 'eth0' });
  assert.deepEqual(parseIface('eth0', 'blue'), { key: 'eth0@netns:blue', name: 'eth0', netns: 'blue' });
});

test('a qualified key names its namespace wherever it is typed, and round-trips', () => {
  const r = parseIface('veth1@netns:4026532301', undefined);
  assert.deepEqual(r, { key: 'veth1@netns:4026532301', name: 'veth1', netns: '4026532301' });
  assert.deepEqual(refOfKey(r.key), r);
  assert.deepEqual(refOfKey('eth0'), { key: 'eth0', name: 'eth0' });
});

test('bad names and namespace labels are refused, naming what was expected', () => {
  assert.throws(
    () => parseIface('eth0/x', undefined),
    (e: unknown) =>
      e instanceof FirewallError &&
      e.code === 'FIREWALL_BAD_ARGUMENT' &&
      /not an interface name/.test(e.message),
  );
  assert.throws(() => parseIface('eth0@netns:a/b', undefined), /must be an ip netns name or inode/);
});

test('a namespace label is its ip netns name when plain, else its inode', () => {
  assert.equal(netnsLabel(null), undefined);
  assert.equal(netnsLabel({ inode: 7, name: 'blue' }), 'blue');
  assert.equal(netnsLabel({ inode: 7, name: 'with space' }), '7');
  assert.equal(netnsLabel({ inode: 7 }), '7');
});
