import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirewallError } from '../../../src/domain/enforce/firewall/errors.ts';
import { ruleToJson } from '../../../src/domain/enforce/firewall/rule.ts';
import { parsePorts, requireRule, validateRule } from '../../../src/domain/enforce/firewall/validate.ts';

const problems = (input: Parameters<typeof validateRule>[0]): string[] => {
  const r = validateRule(input);
  assert.ok(!r.ok, 'expected the rule to be refused');
  return r.problems.map((p) => `${p.field}: ${p.message}`);
};

test('a full rule validates and prints back as given', () => {
  const r = requireRule({
    id: '7',
    priority: 5,
    action: 'drop',
    protocol: 'TCP',
    src: '10.0.0.0/8',
    dst: '10.1.2.3',
    sport: '1000-2000',
    dport: 22,
    log: true,
    comment: 'no ssh from 10/8',
  });
  assert.deepEqual(ruleToJson(r), {
    id: 7,
    priority: 5,
    action: 'drop',
    log: true,
    protocol: 'tcp',
    src: '10.0.0.0/8',
    dst: '10.1.2.3/32',
    sport: '1000-2000',
    dport: '22',
    comment: 'no ssh from 10/8',
  });
});

test('defaults: priority 1000, protocol any, action log implies log', () => {
  const r = requireRule({ id: 1, action: 'log' });
  assert.equal(r.priority, 1000);
  assert.equal(r.protocol, 'any');
  assert.equal(r.log, true);
  assert.equal(requireRule({ id: 2, action: 'pass' }).log, false);
});

test('every problem names its field and what was expected', () => {
  const p = problems({
    id: 0,
    priority: -1,
    action: 'reject',
    protocol: 'sctp',
    src: '10.0.0.1/8',
    sport: '9-1',
  });
  assert.equal(p.length, 6);
  assert.match(p[0]!, /^id: 0 is not a rule id \(expected an integer from 1 to 4294967295\)/);
  assert.match(p[1]!, /^priority: -1 is not a priority/);
  assert.match(p[2]!, /^action: unknown action "reject" \(expected one of pass, drop, log\)/);
  assert.match(p[3]!, /^protocol: unknown protocol "sctp" \(expected one of any, tcp, udp, icmp, icmpv6\)/);
  assert.match(p[4]!, /^src: "10\.0\.0\.1\/8" has host bits set/);
  assert.match(p[5]!, /^sport: 9-1: the range starts after it ends/);
  assert.deepEqual(problems({ id: 1 }), ['action: missing (expected one of pass, drop, log)']);
});

test('ports need tcp or udp; families must agree; icmp matches its family', () => {
  assert.match(problems({ id: 1, action: 'drop', dport: 22 })[0]!, /^dport: ports need protocol tcp or udp/);
  assert.match(
    problems({ id: 1, action: 'drop', src: '10.0.0.0/8', dst: '2001:db8::/32' })[0]!,
    /^dst: source is IPv4 but destination is IPv6/,
  );
  assert.match(
    problems({ id: 1, action: 'drop', protocol: 'icmp', src: '2001:db8::/32' })[0]!,
    /icmp is IPv4/,
  );
  assert.match(
    problems({ id: 1, action: 'drop', protocol: 'icmpv6', dst: '10.0.0.0/8' })[0]!,
    /icmpv6 is IPv6/,
  );
});

test('port ranges', () => {
  assert.deepEqual(parsePorts('80'), { ok: true, range: { lo: 80, hi: 80 } });
  assert.deepEqual(parsePorts(' 1000-2000 '), { ok: true, range: { lo: 1000, hi: 2000 } });
  for (const bad of ['65536', '2000-1000', 'http', '-1', '1-2-3', '']) {
    const r = parsePorts(bad);
    assert.ok(!r.ok, bad);
  }
});

test('requireRule throws BAD_RULE with the caller field names', () => {
  assert.throws(
    () => requireRule({ id: 1, action: 'drop', src: 'nope' }, (f) => `--${f}`),
    (e: unknown) =>
      e instanceof FirewallError &&
      e.code === 'FIREWALL_BAD_RULE' &&
      /^--src: "nope" is not an IP/.test(e.message),
  );
});
