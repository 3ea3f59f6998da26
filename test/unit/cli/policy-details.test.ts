/** DETAILS of policy events and rule summaries read as what happened. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ruleSummary } from '../../../src/cli/format/policy-rule.ts';
import { policyDetails } from '../../../src/families/policy/details.ts';
import type { StoredEvent } from '../../../src/store/event-query.ts';

const base = {
  id: 1,
  timeUs: 0,
  pid: 10,
  tid: 10,
  ppid: 1,
  uid: 0,
  gid: 0,
  cgroupId: 1,
  comm: 'x',
  reason: null,
  suppressed: 0,
  ifindex: 0,
  family: null,
  protocol: null,
  srcAddr: null,
  srcPort: null,
  dstAddr: null,
  dstPort: null,
  path: null,
  inode: null,
  dev: null,
} as const;

test('egress, exec and firewall decisions', () => {
  const egress = {
    ...base,
    type: 'policy_egress',
    action: 'denied',
    ruleId: 7,
    family: 6,
    protocol: 6,
    dstAddr: '2001:db8::1',
    dstPort: 443,
    suppressed: 3,
  } as StoredEvent;
  assert.equal(policyDetails(egress as never), 'denied rule=7 tcp → [2001:db8::1]:443 (+3 suppressed)');
  const exec = {
    ...base,
    type: 'policy_exec',
    action: 'denied',
    ruleId: 2,
    path: '/usr/bin/nc',
    inode: 5,
    dev: 2049,
  } as StoredEvent;
  assert.equal(policyDetails(exec as never), 'killed rule=2 /usr/bin/nc inode=5 dev=2049');
  const fw = {
    ...base,
    type: 'policy_firewall',
    action: 'denied',
    reason: 'rate_limit',
    ruleId: 0,
    family: 4,
    protocol: 17,
    srcAddr: '10.0.0.1',
    srcPort: 5000,
    dstAddr: '10.0.0.2',
    dstPort: 53,
    ifindex: 3,
  } as StoredEvent;
  assert.equal(
    policyDetails(fw as never),
    'dropped reason=rate_limit udp 10.0.0.1:5000 → 10.0.0.2:53 ifindex=3',
  );
});

test('rule summaries', () => {
  assert.equal(
    ruleSummary('egress', { action: 'deny', cidr: '10.0.0.0/8', ports: '443', protocol: 'tcp', uid: 1000 }),
    'deny tcp 10.0.0.0/8 port 443 for uid 1000',
  );
  assert.equal(
    ruleSummary('exec', { action: 'kill', path: '/usr/bin/nc', windows: ['Mon-Fri 09:00-17:00'] }),
    'kill path /usr/bin/nc for everyone during Mon-Fri 09:00-17:00',
  );
});
