/** The policy section of the configuration: defaults, one precise message per problem, ids unique across kinds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configRules } from '../../../src/enforce/policy/policy-rules.ts';
import { formatIssues } from '../../../src/enforce/policy/rule-schema.ts';
import { PolicyConfigSchema } from '../../../src/enforce/policy-config.ts';

function problems(raw: unknown): string[] {
  const r = PolicyConfigSchema.safeParse(raw, { reportInput: true });
  assert.ok(!r.success, 'expected a failure');
  return formatIssues(r.error.issues, 'enforcement').split('\n');
}

test('defaults: no rules, 100 records per second per rule', () => {
  assert.deepEqual(PolicyConfigSchema.parse(undefined), {
    egress: [],
    exec: [],
    eventsPerSecondPerRule: 100,
  });
});

test('each problem names the rule, the field and the value', () => {
  assert.deepEqual(problems({ egress: [{ id: 1, action: 'deny', cidr: '10.1.0.0/8' }] }), [
    'enforcement: egress.0.cidr: 10.1.0.0/8 has host bits set; did you mean 10.0.0.0/8? (got "10.1.0.0/8")',
  ]);
  assert.deepEqual(problems({ exec: [{ id: 2, action: 'kill', path: '/x', color: 'red' }] }), [
    'enforcement: unknown key exec.0.color',
  ]);
  assert.match(problems({ egress: [{ action: 'deny' }] })[0] ?? '', /egress\.0\.id: /);
  assert.match(
    problems({ exec: [{ id: 1, action: 'deny', path: '/x' }] })[0] ?? '',
    /exec\.0\.action: .*"kill"\|"audit"/,
  );
});

test('ids are unique across egress and exec', () => {
  assert.deepEqual(
    problems({
      egress: [{ id: 5, action: 'deny' }],
      exec: [{ id: 5, action: 'kill', path: '/usr/bin/nc' }],
    }),
    ['enforcement: exec.0.id: id 5 is already used by egress.0 (got 5)'],
  );
});

test('recorded as written, without the id', () => {
  const cfg = PolicyConfigSchema.parse({
    egress: [{ id: 5, action: 'deny', cidr: '10.0.0.0/8', ports: 443 }],
    exec: [{ id: 6, action: 'audit', binary: '/usr/bin/curl', windows: ['Mon-Fri 09:00-17:00'] }],
  });
  assert.deepEqual(configRules(cfg), [
    { id: 5, kind: 'egress', body: { action: 'deny', cidr: '10.0.0.0/8', ports: 443 } },
    {
      id: 6,
      kind: 'exec',
      body: { action: 'audit', binary: '/usr/bin/curl', windows: ['Mon-Fri 09:00-17:00'] },
    },
  ]);
});
