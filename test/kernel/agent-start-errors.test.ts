/**
 * A start that cannot go on says why once: a damaged database or one that
 * cannot be created is one line and exit 1, and the damaged file is left as
 * it was.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDatabase } from '../../src/store/database.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { BIN, testEnv } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { forkEvent, T0_US } from '../unit/store/fixtures.ts';

describe('agent start-up errors', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-start-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `runtimeDir: ${join(dir, 'run')}\napi: { enabled: false }\nrules: { enabled: false }\n`,
  );
  const agent = (db: string): { status: number | null; lines: string[] } => {
    const r = spawnSync(BIN, ['agent', '--db', db, '--config', config], {
      encoding: 'utf8',
      env: testEnv(),
      timeout: 30_000,
    });
    return { status: r.status, lines: r.stderr.split('\n').filter((l) => l !== '') };
  };

  test('a damaged database: one line naming it, exit 1, the file unchanged', () => {
    const db = join(dir, 'damaged.db');
    const conn = openDatabase(db);
    const w = new EventWriter(conn);
    w.enqueue(Array.from({ length: 3000 }, (_, i) => forkEvent({ timeUs: T0_US + i, childPid: i })));
    w.flush();
    conn.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    conn.close();
    const pages = statSync(db).size / 4096;
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(pages / 2) * 4096);
    closeSync(fd);
    const sha = (): string => createHash('sha256').update(readFileSync(db)).digest('hex');
    const before = sha();
    const r = agent(db);
    assert.equal(r.status, 1);
    assert.equal(r.lines.length, 1, r.lines.join('\n'));
    assert.match(r.lines[0] ?? '', new RegExp(`database ${db} is damaged .*will not write to it`));
    assert.equal(sha(), before);
  });

  test('a database that cannot be created: one line, exit 1', () => {
    const r = agent(`${config}/x.db`);
    assert.equal(r.status, 1);
    assert.equal(r.lines.length, 1, r.lines.join('\n'));
    assert.match(r.lines[0] ?? '', /cannot create (directory for )?database .*config\.yaml\/x\.db/);
  });
});
