/**
 * One validator for every entry point: the REST API and `rules add` refuse
 * the same hostile queries with the same located message.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli } from '../../support/agent-process.ts';
import { tempDb } from '../rules/helpers.ts';
import { startTestApi } from './support.ts';

const QUERIES = {
  recursive:
    'WITH c AS (SELECT max(id) AS x FROM new_events UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c',
  deep: `SELECT id FROM new_events WHERE id > ${'(SELECT '.repeat(900)}1${')'.repeat(900)}`,
  terms: `SELECT id FROM new_events WHERE id > ${Array(6000).fill('1').join('+')}`,
  args: `SELECT id FROM new_events WHERE comm = char(${Array(150).fill('65').join(',')})`,
};

test('the API and the CLI refuse the same queries with the same location', async (t) => {
  const api = await startTestApi(t);
  const ctx = tempDb();
  t.after(() => {
    ctx.db.close();
    rmSync(ctx.dir, { recursive: true, force: true });
  });
  for (const [name, query] of Object.entries(QUERIES)) {
    const r = await api.call('POST', '/api/v1/rules', {
      body: { id: `h-${name}`, name, severity: 'low', query },
    });
    assert.equal(r.status, 400, `${name}: ${r.text.slice(0, 200)}`);
    const message = r.json<{ error: { code: string; message: string } }>().error.message;
    assert.doesNotMatch(message, /call stack/i);
    const located = message.match(/line \d+, column \d+: [^\n]+/)?.[0];
    assert.ok(located, `${name}: ${message.slice(0, 200)}`);

    const file = join(ctx.dir, `${name}.yaml`);
    writeFileSync(file, JSON.stringify({ id: `h-${name}`, name, severity: 'low', query }));
    const c = cli(['rules', 'add', file, '--db', ctx.path]);
    assert.equal(c.status, 1, `${name}: ${c.stdout}`);
    assert.ok(c.stderr.includes(located), `${name}: CLI said ${c.stderr.slice(0, 300)}; API said ${located}`);
  }
  const list = (await api.get('/api/v1/rules')).json<{ rules: unknown[] }>().rules;
  assert.equal(list.length, 0, 'nothing stored');
});
