/** `bpfwarden rules ...` and `bpfwarden alerts ...` against a real database, through the built binary. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { insertAlerts } from '../../../src/store/alerts-store.ts';
import { cli } from '../../support/agent-process.ts';
import { insertExec, tempDb } from '../rules/helpers.ts';

const ctx = tempDb();
after(() => {
  ctx.db.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

const RULE = `id: cli-tmp
name: exec from tmp
severity: high
tags: [T1059]
title: "{comm} ran {path}"
query: |
  SELECT id, pid, comm, type, filename AS path FROM new_process_events
  WHERE type = 'exec' AND filename GLOB '/tmp/*'
`;

test('rules add, list, show, disable, enable, test, rm', () => {
  const file = join(ctx.dir, 'r.yaml');
  writeFileSync(file, RULE);
  const db = ['--db', ctx.path];
  let r = cli(['rules', 'add', file, ...db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cli-tmp: added/);
  r = cli(['rules', 'list', ...db]);
  assert.match(r.stdout, /cli-tmp\s+high\s+yes/);
  r = cli(['rules', 'disable', 'cli-tmp', ...db]);
  assert.match(r.stdout, /disabled/);
  r = cli(['rules', 'show', 'cli-tmp', ...db]);
  assert.match(r.stdout, /enabled:\s+no/);
  assert.match(r.stdout, /filename GLOB/);
  assert.equal(cli(['rules', 'enable', 'cli-tmp', ...db]).status, 0);
  insertExec(ctx.db, { filename: '/tmp/evil', comm: 'evil' });
  insertExec(ctx.db, { filename: '/usr/bin/ok', comm: 'ok' });
  r = cli(['rules', 'test', file, ...db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\[high\] evil ran \/tmp\/evil/);
  assert.match(r.stdout, /would raise 1 alert/);
  r = cli(['rules', 'test', file, '--since', '1s', ...db]);
  assert.equal(r.status, 0, r.stderr);
  const bad = join(ctx.dir, 'bad.yaml');
  writeFileSync(bad, RULE.replace("type = 'exec'", "load_extension('x') AND type = 'exec'"));
  r = cli(['rules', 'add', bad, ...db]);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /rule cli-tmp: query rejected:\n {2}line 2, column \d+: function load_extension\(\) is not allowed/,
  );
  r = cli(['rules', 'rm', 'cli-tmp', ...db]);
  assert.match(r.stdout, /removed/);
  assert.match(cli(['rules', 'show', 'cli-tmp', ...db]).stderr, /no rule with id cli-tmp/);
});

test('alerts list, show, ack', () => {
  const now = Date.now() * 1000;
  insertAlerts(
    ctx.db,
    [
      {
        draft: {
          timeUs: now,
          ruleId: 'cli-tmp',
          severity: 'high',
          title: 'evil ran /tmp/evil',
          details: { pid: 1 },
          eventIds: [1],
          eventTypes: ['exec'],
          dedupeKey: '1',
          tags: ['T1059'],
        },
        sinks: ['hook'],
        throttleMs: 0,
      },
      {
        draft: {
          timeUs: now,
          ruleId: 'other',
          severity: 'low',
          title: 'minor',
          details: {},
          eventIds: [],
          eventTypes: [],
          dedupeKey: 'x',
          tags: [],
        },
        sinks: [],
        throttleMs: 0,
      },
    ],
    now,
  );
  ctx.db.exec("UPDATE alert_deliveries SET attempts = 3, last_error = 'HTTP 500' WHERE alert_id = 1");
  const db = ['--db', ctx.path];
  let r = cli(['alerts', 'list', ...db]);
  assert.match(r.stdout, /evil ran/);
  assert.match(r.stdout, /hook:pending/);
  r = cli(['alerts', 'list', '--severity', 'high', '--json', ...db]);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.equal((JSON.parse(lines[0] ?? '{}') as { ruleId: string }).ruleId, 'cli-tmp');
  assert.equal(
    cli(['alerts', 'list', '--rule', 'other', '--json', ...db])
      .stdout.trim()
      .split('\n').length,
    1,
  );
  assert.equal(cli(['alerts', 'list', '--severity', 'bad', ...db]).status, 2);
  r = cli(['alerts', 'show', '1', ...db]);
  assert.match(r.stdout, /hook: pending, 3 attempt\(s\).*last error: HTTP 500/);
  assert.match(cli(['alerts', 'ack', '1', ...db]).stdout, /acknowledged/);
  assert.match(cli(['alerts', 'show', '1', ...db]).stdout, /acked:\s+\d/);
});
