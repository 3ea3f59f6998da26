/**
 * `rules test --since` replays the range pass by pass: a windowed rule that
 * would have fired twenty minutes ago is found (with :now_us at each pass's
 * end, not the current time), the throttle runs in replay time, and a
 * window function runs through the rule runner.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cli } from '../../support/agent-process.ts';
import { tempDb } from '../rules/helpers.ts';

const ctx = tempDb();
after(() => {
  ctx.db.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

let id = 1;
function exec(timeUs: number, comm: string): void {
  ctx.db
    .prepare(
      `INSERT INTO process_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm, filename, argv, argc,
         args_truncated, filename_truncated, old_pid) VALUES (?, ?, 'exec', 77, 77, 1, 0, 0, 1, ?, '/usr/bin/x', '[]', 0, 0, 0, 0)`,
    )
    .run(id++, timeUs, comm);
}

// Five execs within 3 s, twenty minutes ago; another burst of five, 90 s later.
const nowUs = Date.now() * 1000;
const t0 = nowUs - 20 * 60_000_000;
for (let i = 0; i < 5; i++) exec(t0 + i * 600_000, 'burst');
for (let i = 0; i < 5; i++) exec(t0 + 90_000_000 + i * 600_000, 'burst');

const rule = (throttle: string): string => `id: burst
name: exec burst
severity: medium
title: "{comm} ran {n} programs in 10 s"
dedupe: "{comm}"
throttle: ${throttle}
query: |
  SELECT comm, count(*) AS n, max(id) AS event_id FROM process_events
  WHERE type = 'exec' AND time_us >= :now_us - 10000000 AND time_us <= :now_us
  GROUP BY comm HAVING count(*) >= 5 AND max(id) > :from_id
`;

test('a windowed rule is replayed with the time of each pass', () => {
  const file = join(ctx.dir, 'burst.yaml');
  writeFileSync(file, rule('0'));
  const db = ['--db', ctx.path];
  // One pass at the current time: the window holds nothing.
  let r = cli(['rules', 'test', file, ...db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /burst: would raise 0 alert/);
  // Replayed: both bursts, each once (a pass after a burst has no new events).
  r = cli(['rules', 'test', file, '--since', '30m', ...db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /burst: would raise 2 alert\(s\) from events 1\.\.10 in \d+ passes/);
  assert.equal((r.stdout.match(/\[medium\] burst ran 5 programs in 10 s/g) ?? []).length, 2);
  // A throttle longer than the gap holds the second back, in replay time.
  writeFileSync(file, rule('5m'));
  r = cli(['rules', 'test', file, '--since', '30m', ...db]);
  assert.match(r.stdout, /would raise 1 alert\(s\).*1 suppressed by throttle/);
  writeFileSync(file, rule('60s'));
  r = cli(['rules', 'test', file, '--since', '30m', ...db]);
  assert.match(r.stdout, /would raise 2 alert\(s\)/);
});

test('a window function runs', () => {
  const file = join(ctx.dir, 'win.yaml');
  writeFileSync(
    file,
    `id: win
name: windowed
severity: low
title: "{comm} #{n}"
query: |
  SELECT id AS event_id, comm, row_number() OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS n
  FROM new_process_events WHERE type = 'exec'
`,
  );
  const r = cli(['rules', 'test', file, '--db', ctx.path]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /win: would raise 10 alert/);
});

test('alert details hold argv as an array; eventTypes is the triggering event type', () => {
  ctx.db
    .prepare(
      `INSERT INTO process_events (id, time_us, type, pid, tid, ppid, uid, gid, cgroup_id, comm, filename, argv, argc,
         args_truncated, filename_truncated, old_pid) VALUES (?, ?, 'exec', 78, 78, 1, 0, 0, 1, 'nc', '/usr/bin/nc', ?, 3, 0, 0, 0)`,
    )
    .run(id++, Date.now() * 1000, JSON.stringify(['nc', '-e', '/bin/sh']));
  const file = join(ctx.dir, 'argv.yaml');
  writeFileSync(
    file,
    `id: argv
name: argv
severity: high
title: "{comm}"
query: |
  SELECT id, comm, argv FROM new_process_events WHERE comm = 'nc'
`,
  );
  const r = cli(['rules', 'test', file, '--json', '--db', ctx.path]);
  assert.equal(r.status, 0, r.stderr);
  const [alert] = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(alert.details.argv, ['nc', '-e', '/bin/sh']);
  assert.deepEqual(alert.eventTypes, ['exec'], 'the triggering event, not every process type');
});
