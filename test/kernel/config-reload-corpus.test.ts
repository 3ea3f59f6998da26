/**
 * A reload never takes the agent down: SIGHUP with each file of the
 * broken-config corpus (an alias bomb, deep nesting and duplicate keys among
 * them) is refused with a log line, and the agent keeps capturing on the
 * configuration it runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { projectRoot } from '../../src/host/paths.ts';
import { type RunningAgent, startAgent } from '../support/agent-process.ts';
import { kernelSkip } from '../support/kernel-gate.ts';
import { eventually, run } from '../support/spawn.ts';

const CORPUS = join(projectRoot(), 'test', 'fixtures', 'config-bad');
const FILES = readdirSync(CORPUS)
  .filter((n) => ['.yaml', '.yml', '.json', '.toml'].includes(extname(n)))
  .filter((n) => statSync(join(CORPUS, n)).isFile())
  .sort();

describe('SIGHUP with a broken configuration', { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-reload-corpus-'));
  const db = join(dir, 'bw.db');
  const tag = `bwcorpus${process.pid}`;
  let agent: RunningAgent | undefined;
  after(async () => {
    await agent?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const clearConfig = (): void => {
    for (const n of ['config.yaml', 'config.yml', 'config.json', 'config.toml'])
      rmSync(join(dir, n), { force: true });
  };
  const execs = (marker: string): number => {
    const conn = new DatabaseSync(db, { readOnly: true });
    try {
      const row = conn
        .prepare("SELECT count(*) AS n FROM process_events WHERE type = 'exec' AND argv LIKE ?")
        .get(`%${marker}%`) as { n: number };
      return row.n;
    } catch {
      return 0;
    } finally {
      conn.close();
    }
  };
  const rejections = (): number =>
    (agent?.stderr().match(/SIGHUP: new configuration rejected/g) ?? []).length;

  test('each corpus file is refused and capture goes on', { timeout: 180_000 }, async () => {
    assert.ok(FILES.includes('alias-bomb.yaml') && FILES.includes('json-duplicate-key.json'));
    writeFileSync(
      join(dir, 'config.yaml'),
      `runtimeDir: ${join(dir, 'run')}
monitors: { file: { enabled: false }, net: { enabled: false }, drop: { enabled: false }, dns: { enabled: false } }
api: { enabled: false }
rules: { enabled: false }
`,
    );
    agent = await startAgent(['--db', db], 15_000, { BPFWARDEN_CONFIG_DIRS: dir });
    for (const [i, name] of FILES.entries()) {
      clearConfig();
      writeFileSync(join(dir, `config${extname(name)}`), readFileSync(join(CORPUS, name)));
      const before = rejections();
      agent.child.kill('SIGHUP');
      await eventually(`${name} refused`, () => (rejections() > before ? true : undefined), 10_000);
      assert.equal(agent.child.exitCode, null, `the agent exited after ${name}:\n${agent.stderr()}`);
      await run('/bin/true', [`${tag}-${i}`]);
    }
    await eventually(
      'an exec after every refused reload stored',
      () => (execs(`${tag}-`) === FILES.length ? true : undefined),
      15_000,
    );
    assert.doesNotMatch(agent.stderr(), /ReferenceError|RangeError|\n\s+at /, 'no stack trace in the log');
    const exit = await agent.stop('SIGTERM');
    agent = undefined;
    assert.equal(exit.code, 0);
  });
});
