/** The firewall's stored state through the service, with no firewall loaded (no kernel needed). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirewallError } from '../../../src/domain/enforce/firewall/errors.ts';
import { ruleToJson } from '../../../src/domain/enforce/firewall/rule.ts';
import { requireRule } from '../../../src/domain/enforce/firewall/validate.ts';
import type { NativeBridge } from '../../../src/ebpf/index.ts';
import { createFirewallService } from '../../../src/enforce/firewall/factory.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { schemaVersion } from '../../../src/store/migrations.ts';

// Not loaded (no pins under this root): the service must not touch the kernel.
const noKernel = new Proxy({} as NativeBridge, {
  get: (_t, p) => {
    throw new Error(`the kernel was used (${String(p)})`);
  },
});

function service(who: 'cli' | 'config' = 'cli', db = openDatabase(':memory:')) {
  let now = 1_000_000;
  return {
    db,
    svc: createFirewallService({
      bridge: noKernel,
      db,
      pinRoot: '/sys/fs/bpf/bpfwarden-unit-test-not-there',
      author: { who, user: 'alice' },
      nowUs: () => now++,
    }),
  };
}

test('migration 9 creates the firewall tables', () => {
  const { db } = service();
  assert.ok(schemaVersion(db) >= 9);
  const tables = (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'firewall_%'").all() as {
      name: string;
    }[]
  ).map((r) => r.name);
  assert.deepEqual(tables.sort(), [
    'firewall_changes',
    'firewall_interfaces',
    'firewall_ratelimit',
    'firewall_rules',
  ]);
});

test('add, list, duplicate, rm: validated, stored, logged', () => {
  const { svc } = service();
  const { rule, applied } = svc.addRule({
    id: 3,
    action: 'drop',
    src: '2001:db8::/32',
    protocol: 'tcp',
    dport: '22',
  });
  assert.equal(applied, undefined, 'not loaded: stored only');
  assert.equal(svc.nextId(), 4);
  assert.deepEqual(ruleToJson(svc.rules()[0]!.rule), ruleToJson(rule));
  assert.equal(svc.rules()[0]!.source, 'cli');
  assert.throws(
    () => svc.addRule({ id: 3, action: 'pass' }),
    (e: unknown) =>
      e instanceof FirewallError &&
      e.code === 'FIREWALL_DUPLICATE_ID' &&
      /rule id 3 exists already \(added by cli\)/.test(e.message),
  );
  assert.throws(
    () => svc.addRule({ id: 4, action: 'drop', src: 'nope' }, (f) => `--${f}`),
    (e: unknown) =>
      e instanceof FirewallError && e.code === 'FIREWALL_BAD_RULE' && e.message.startsWith('--src: "nope"'),
  );
  assert.equal(svc.rules().length, 1, 'a refused rule is not stored');
  svc.removeRule(3);
  assert.throws(
    () => svc.removeRule(3),
    (e: unknown) => e instanceof FirewallError && e.code === 'FIREWALL_RULE_NOT_FOUND',
  );
  const log = svc.store.changes();
  assert.deepEqual(
    log.map((c) => [c.op, c.target, c.who, c.user]),
    [
      ['add', '3', 'cli', 'alice'],
      ['rm', '3', 'cli', 'alice'],
    ],
  );
  assert.equal((log[0]!.detail as { dst: null; src: string }).src, '2001:db8::/32');
});

test('a rule set the kernel could not take is refused before it is stored', () => {
  const { svc } = service();
  for (let i = 1; i <= 112; i++) svc.addRule({ id: i, action: 'drop' });
  assert.throws(
    () => svc.addRule({ id: 113, action: 'drop' }),
    (e: unknown) => e instanceof FirewallError && e.code === 'FIREWALL_RULES_DO_NOT_FIT',
  );
  assert.equal(svc.rules().length, 112);
});

test('config rules: replace their own, win an id collision, leave CLI rules alone', () => {
  const db = openDatabase(':memory:');
  const cli = service('cli', db).svc;
  const config = service('config', db).svc;
  cli.addRule({ id: 1, action: 'drop', src: '10.0.0.0/8' });
  cli.addRule({ id: 2, action: 'pass' });
  config.replaceSourceRules([
    requireRule({ id: 2, action: 'drop', src: '192.0.2.0/24' }),
    requireRule({ id: 9, action: 'log' }),
  ]);
  const byId = new Map(cli.rules().map((r) => [r.rule.id, r]));
  assert.equal(byId.get(1)?.source, 'cli');
  assert.equal(byId.get(2)?.source, 'config', 'the config wins on id 2');
  assert.equal(byId.get(2)?.rule.action, 'drop');
  assert.equal(byId.get(9)?.source, 'config');
  assert.throws(
    () => cli.removeRule(9),
    (e: unknown) =>
      e instanceof FirewallError && e.code === 'FIREWALL_FROM_CONFIG' && /remove it there/.test(e.message),
  );
  const r = config.replaceSourceRules([requireRule({ id: 9, action: 'log' })]);
  assert.equal(r.changed, 1, 'rule 2 removed; rule 9 unchanged');
  assert.deepEqual(
    cli.rules().map((x) => x.rule.id),
    [1, 9],
  );
  assert.equal(config.replaceSourceRules([requireRule({ id: 9, action: 'log' })]).changed, 0, 'idempotent');
  const ops = cli.store.changes().map((c) => `${c.who} ${c.op} ${c.target}`);
  assert.deepEqual(ops, ['cli add 1', 'cli add 2', 'config set 2', 'config add 9', 'config rm 2']);
});

test('rate limit settings and interfaces are stored and logged', () => {
  const { svc } = service();
  assert.equal(svc.rateLimit().rate, 0);
  svc.setRateLimit({ rate: 100 });
  assert.deepEqual(svc.rateLimit(), {
    rate: 100,
    burst: 100,
    synRate: 0,
    synBurst: 0,
    logRate: 10,
    logBurst: 10,
  });
  svc.clearRateLimit();
  assert.equal(svc.rateLimit().rate, 0);
  svc.replaceSourceInterfaces([{ name: 'eth9', mode: 'skb' }]);
  assert.deepEqual(
    svc.interfaces().map((i) => [i.name, i.mode, i.attachedMode]),
    [['eth9', 'skb', null]],
  );
  assert.deepEqual(
    svc.store.changes().map((c) => `${c.op} ${c.target}`),
    ['set ratelimit', 'clear ratelimit', 'attach eth9'],
  );
});
