import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { configInterfaces, FirewallConfigSchema } from '../../../src/enforce/firewall/config.ts';

// As the agent composes it: the section under enforcement.firewall.
const Agent = z.object({ enforcement: z.object({ firewall: FirewallConfigSchema }).strict() }).strict();
const issues = (firewall: unknown): string[] => {
  const r = Agent.safeParse({ enforcement: { firewall } });
  assert.ok(!r.success, 'expected the config to be refused');
  return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('defaults: nothing attached, no rules, stored rate limits kept', () => {
  const c = FirewallConfigSchema.parse(undefined);
  assert.deepEqual(c, { interfaces: [], rules: [] });
});

test('a full section parses; interfaces as names or with a mode', () => {
  const c = FirewallConfigSchema.parse({
    interfaces: ['eth0', { name: 'eth1', mode: 'skb' }],
    rules: [{ id: 1, action: 'drop', src: '10.0.0.0/8', protocol: 'tcp', dport: 22, log: true }],
    rateLimit: { packetsPerSecond: 1000, synPerSecond: 50 },
  });
  assert.deepEqual(configInterfaces(c), [
    { name: 'eth0', mode: 'auto' },
    { name: 'eth1', mode: 'skb' },
  ]);
  assert.equal(c.rules[0]?.dport, 22);
});

test('messages name the exact key and what was expected', () => {
  assert.deepEqual(
    issues({
      rules: [
        { id: 1, action: 'drop', src: '10.0.0.1/8' },
        { id: 1, action: 'drop', protocol: 'icmp', dport: 22 },
      ],
    }),
    [
      'enforcement.firewall.rules.0.src: "10.0.0.1/8" has host bits set after /8; did you mean 10.0.0.0/8?',
      "enforcement.firewall.rules.1.dport: ports need protocol tcp or udp (the rule's protocol is icmp)",
      'enforcement.firewall.rules.1.id: rule id 1 is used more than once',
    ],
  );
  assert.match(issues({ interfaces: ['eth0/1'] })[0]!, /^enforcement\.firewall\.interfaces\.0: /);
  assert.match(
    issues({ rules: [{ id: 1, action: 'reject' }] })[0]!,
    /^enforcement\.firewall\.rules\.0\.action: /,
  );
  assert.match(
    issues({ rateLimit: { packetsPerSecond: -5 } })[0]!,
    /^enforcement\.firewall\.rateLimit\.packetsPerSecond: /,
  );
  assert.match(issues({ rules: [{ id: 1, action: 'drop', source: '1.2.3.4' }] })[0]!, /source/);
});
