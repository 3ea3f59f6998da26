/** File sink: JSON lines, rotated by size, keeping N old files. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Alert } from '../../../src/domain/rules/rule.ts';
import { FileSink } from '../../../src/sinks/file-sink.ts';

const alert = (id: number): Alert => ({
  id,
  timeUs: 1_700_000_000_000_000,
  ruleId: 'r',
  severity: 'low',
  title: `alert ${id} ${'x'.repeat(200)}`,
  details: {},
  eventIds: [id],
  eventTypes: ['exec'],
  dedupeKey: String(id),
  tags: [],
  suppressed: 0,
  ackedUs: null,
});

test('writes JSON lines and rotates by size, keeping the configured number of files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-file-sink-'));
  const path = join(dir, 'alerts.jsonl');
  const sink = new FileSink('file', { path, maxBytes: 1024, keep: 2 });
  for (let i = 1; i <= 20; i++) await sink.deliver(alert(i));
  const current = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: number });
  assert.ok(readFileSync(path).length <= 1024);
  assert.equal(current.at(-1)?.id, 20);
  assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`));
  assert.ok(!existsSync(`${path}.3`));
  const older = readFileSync(`${path}.1`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: number });
  assert.equal(older.at(-1)?.id, (current[0]?.id ?? 0) - 1, 'no line lost between files');
  rmSync(dir, { recursive: true, force: true });
});
