/**
 * Every read command follows the running agent: with no --db, the real CLI
 * (bin/bpfwarden, a separate process) answers from the database of the agent
 * behind BPFWARDEN_API_SOCKET, through its API where there is a route and
 * from the database the agent reports otherwise; --db still wins.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Rule } from '../../../src/domain/rules/rule.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { EventWriter } from '../../../src/store/event-writer.ts';
import { upsertRule } from '../../../src/store/rules-store.ts';
import { STATUS, startTestApi } from '../api/support.ts';
import { execEvent, forkEvent, T0_US, tempDir } from '../store/fixtures.ts';

const BIN = join(import.meta.dirname, '../../../bin/bpfwarden');
const run = promisify(execFile);

const RULE: Rule = {
  id: 'agent-db-probe',
  name: 'agent-db-probe',
  description: 'only in the agent database',
  severity: 'low',
  query: 'SELECT id FROM new_process_events',
  title: 'probe',
  tags: [],
  dedupe: null,
  throttleMs: 0,
  enabled: true,
};

async function cli(socket: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(BIN, args, {
      env: { ...process.env, BPFWARDEN_API_SOCKET: socket, NO_COLOR: '1' },
      timeout: 30_000,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

test('read commands answer from the running agent, whatever database path it was started with', async (t) => {
  const api = await startTestApi(t, (dbPath) => ({ status: () => ({ ...STATUS, database: dbPath }) }));
  const writer = new EventWriter(api.db);
  writer.enqueue([
    ...Array.from({ length: 7 }, (_, i) => execEvent({ timeUs: T0_US + i, comm: 'probe-exec' })),
    ...Array.from({ length: 3 }, (_, i) => forkEvent({ timeUs: T0_US + 100 + i })),
  ]);
  writer.flush();
  upsertRule(api.db, RULE, 'test', T0_US);
  const socket = api.listeners.socket as string;

  const summary = await cli(socket, ['events', 'summary', '--by', 'type', '--since', '1970-01-02', '--json']);
  assert.equal(summary.code, 0, summary.err);
  const counts = Object.fromEntries(
    summary.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; count: number })
      .map((g) => [g.type, g.count]),
  );
  assert.deepEqual(counts, { exec: 7, fork: 3 });

  const show = await cli(socket, ['rules', 'show', RULE.id, '--json']);
  assert.equal(show.code, 0, show.err);
  const shown = JSON.parse(show.out) as { id: string; description: string };
  assert.equal(shown.id, RULE.id);
  assert.equal(shown.description, RULE.description);

  const missing = await cli(socket, ['rules', 'show', 'no-such-rule']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no rule with id no-such-rule/);

  // No API route: the command reads the database the agent reports.
  const stats = await cli(socket, ['db', 'stats', '--json']);
  assert.equal(stats.code, 0, stats.err);
  const st = JSON.parse(stats.out) as { path?: string; tables: { name: string; rows: number }[] };
  assert.equal(st.tables.find((x) => x.name === 'process_events')?.rows, 10, stats.out);

  const policy = await cli(socket, ['policy', 'list', '--json']);
  assert.equal(policy.code, 0, policy.err);
});

test('--db names the database to read even when an agent runs', async (t) => {
  const api = await startTestApi(t, (dbPath) => ({ status: () => ({ ...STATUS, database: dbPath }) }));
  const other = join(tempDir(t), 'other.db');
  const db = openDatabase(other);
  const w = new EventWriter(db);
  w.enqueue([execEvent({ timeUs: T0_US, comm: 'other' })]);
  w.flush();
  db.close();
  const r = await cli(api.listeners.socket as string, [
    'events',
    'summary',
    '--by',
    'comm',
    '--since',
    '1970-01-02',
    '--db',
    other,
    '--json',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(
    r.out
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { comm: string; count: number }).comm),
    ['other'],
  );
});
