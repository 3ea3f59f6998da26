/** policy_events: decisions round-trip through the store; the events view and the rule summary see them. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PolicyEvent } from '../../../src/families/policy/events.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { queryEvents } from '../../../src/store/event-query.ts';
import { summarizeEvents } from '../../../src/store/event-summary.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { T0_US, tempDir, withoutKtime } from './fixtures.ts';

function policyEvent(over: Partial<PolicyEvent> = {}): PolicyEvent {
  return {
    type: 'policy_egress',
    timeUs: T0_US,
    ktimeNs: 1,
    pid: 4242,
    tid: 4242,
    ppid: 1,
    uid: 1000,
    gid: 1000,
    cgroupId: 77,
    comm: 'curl',
    action: 'denied',
    reason: null,
    ruleId: 7,
    suppressed: 0,
    ifindex: 0,
    family: 4,
    protocol: 6,
    srcAddr: null,
    srcPort: null,
    dstAddr: '10.1.2.3',
    dstPort: 443,
    path: null,
    inode: null,
    dev: null,
    ...over,
  } as PolicyEvent;
}

test('egress, exec and firewall decisions are stored and read back whole', (t) => {
  const db = openDatabase(join(tempDir(t), 'policy.db'));
  t.after(() => db.close());
  const writer = new EventWriter(db);
  const egress = policyEvent();
  const exec = policyEvent({
    type: 'policy_exec',
    timeUs: T0_US + 1,
    ruleId: 3,
    family: null,
    protocol: null,
    dstAddr: null,
    dstPort: null,
    path: '/usr/bin/nc',
    inode: 260958,
    dev: 65024,
  });
  const firewall = policyEvent({
    type: 'policy_firewall',
    timeUs: T0_US + 2,
    pid: 0,
    tid: 0,
    comm: '',
    action: 'logged',
    reason: 'rate_limit',
    ruleId: 0,
    suppressed: 40,
    ifindex: 2,
    family: 6,
    protocol: 17,
    srcAddr: '2001:db8::1',
    srcPort: 5353,
    dstAddr: '::1',
    dstPort: 53,
  });
  writer.enqueue([egress, exec, firewall]);
  assert.equal(writer.flush(), 3);
  const got = queryEvents(db, { types: ['policy_egress', 'policy_exec', 'policy_firewall'] });
  assert.deepEqual(
    got.map(({ id: _, ...rest }) => rest),
    [egress, exec, firewall].map(withoutKtime),
  );
  // The view: the remote end is the destination for egress, the source for the firewall.
  assert.deepEqual(
    queryEvents(db, { addr: '10.1.2.3', port: 443 }).map((e) => e.type),
    ['policy_egress'],
  );
  assert.deepEqual(
    queryEvents(db, { addr: '2001:db8::1' }).map((e) => e.type),
    ['policy_firewall'],
  );
  assert.deepEqual(
    queryEvents(db, { path: '/usr/bin/' }).map((e) => e.type),
    ['policy_exec'],
  );
});

test('the rule summary counts decisions per type, rule and action', (t) => {
  const db = openDatabase(join(tempDir(t), 'summary.db'));
  t.after(() => db.close());
  const writer = new EventWriter(db);
  writer.enqueue([
    policyEvent({ timeUs: T0_US }),
    policyEvent({ timeUs: T0_US + 1 }),
    policyEvent({ timeUs: T0_US + 2, action: 'audited', ruleId: 9 }),
  ]);
  writer.flush();
  const rows = summarizeEvents(db, 'rule');
  assert.deepEqual(
    rows.map((r) => [r.key, r.count]),
    [
      [{ type: 'policy_egress', rule_id: 7, action: 'denied' }, 2],
      [{ type: 'policy_egress', rule_id: 9, action: 'audited' }, 1],
    ],
  );
});
