/** `bpfwarden config check|show` through the built binary, with config directories and environment of its own. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN } from '../../support/agent-process.ts';
import { tempDir } from '../store/fixtures.ts';

type T = Parameters<typeof tempDir>[0];

/** The binary with only these BPFWARDEN_* variables (never the real /etc: BPFWARDEN_CONFIG_DIRS is always set). */
function run(
  args: string[],
  env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BPFWARDEN_')));
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...base, NO_COLOR: '1', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function layers(t: T): { etc: string; xdg: string; dirs: string } {
  const root = tempDir(t);
  const etc = join(root, 'etc');
  const xdg = join(root, 'xdg');
  mkdirSync(etc);
  mkdirSync(xdg);
  writeFileSync(
    join(etc, 'config.yaml'),
    'store:\n  flushIntervalMs: 50\nalerts:\n  sinks:\n    - name: hook\n      type: webhook\n      url: http://127.0.0.1:9/h\n      secret: hunter2\n',
  );
  writeFileSync(join(xdg, 'config.toml'), '[retention]\nmaxAge = "3d"\n');
  return { etc, xdg, dirs: `${etc}:${xdg}` };
}

test('config check: ok for a valid layered configuration', (t) => {
  const { dirs } = layers(t);
  const r = run(['config', 'check'], { BPFWARDEN_CONFIG_DIRS: dirs, BPFWARDEN_STORE__MAX_QUEUE: '5000' });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'ok\n');
  assert.equal(r.status, 0);
  assert.deepEqual(JSON.parse(run(['config', 'check', '--json'], { BPFWARDEN_CONFIG_DIRS: dirs }).stdout), {
    ok: true,
  });
});

test('config check: every problem, one line each, exit 1', (t) => {
  const { etc, xdg, dirs } = layers(t);
  writeFileSync(join(xdg, 'config.toml'), '[retention]\nmaxAgee = "3d"\n');
  const r = run(['config', 'check'], { BPFWARDEN_CONFIG_DIRS: dirs, BPFWARDEN_STORE__WORKER: 'maybe' });
  assert.equal(r.status, 1);
  assert.equal(
    r.stdout,
    [
      'env BPFWARDEN_STORE__WORKER: store.worker: expected true or false (got "maybe")',
      `${xdg}/config.toml:2:1: unknown key retention.maxAgee; did you mean retention.maxAge?`,
      '',
    ].join('\n'),
  );
  const j = run(['config', 'check', '--json'], {
    BPFWARDEN_CONFIG_DIRS: dirs,
    BPFWARDEN_STORE__WORKER: 'maybe',
  });
  assert.equal(j.status, 1);
  const body = JSON.parse(j.stdout) as {
    ok: boolean;
    problems: { source: string; key: string; message: string }[];
  };
  assert.equal(body.ok, false);
  assert.deepEqual(body.problems[0], {
    source: 'env BPFWARDEN_STORE__WORKER',
    key: 'store.worker',
    message: 'expected true or false (got "maybe")',
    text: 'env BPFWARDEN_STORE__WORKER: store.worker: expected true or false (got "maybe")',
  });
  // The etc file is fine: nothing about it.
  assert.doesNotMatch(r.stdout, new RegExp(etc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
});

test('config check FILE: that file alone, over the defaults', (t) => {
  const { etc, dirs } = layers(t);
  const file = join(etc, 'config.yaml');
  // The environment's bad value is not part of checking one file.
  const ok = run(['config', 'check', file], {
    BPFWARDEN_CONFIG_DIRS: dirs,
    BPFWARDEN_STORE__WORKER: 'maybe',
  });
  assert.equal(ok.stdout, 'ok\n');
  assert.equal(ok.status, 0);
  const bad = join(tempDir(t), 'bad.yaml');
  writeFileSync(bad, 'database: /x.db\nstore: flushIntervalMs: 5\n');
  const r = run(['config', 'check', bad], { BPFWARDEN_CONFIG_DIRS: '' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, `${bad}:2:8: not valid YAML: Nested mappings are not allowed in compact mappings\n`);
});

test('config show: every value with its source; secrets redacted', (t) => {
  const { etc, xdg, dirs } = layers(t);
  const r = run(['config', 'show'], { BPFWARDEN_CONFIG_DIRS: dirs, BPFWARDEN_STORE__MAX_QUEUE: '5000' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(
    lines[0],
    `layers (lowest first): defaults, ${etc}/config.yaml, ${xdg}/config.toml, environment`,
  );
  assert.match(lines[1] ?? '', /^KEY\s+VALUE\s+SOURCE$/);
  const row = (key: string): string[] => {
    const l = lines.find((x) => x.startsWith(`${key} `));
    assert.ok(l, `no row for ${key}`);
    return l.trim().split(/\s{2,}/);
  };
  assert.deepEqual(row('store.flushIntervalMs'), ['store.flushIntervalMs', '50', `${etc}/config.yaml:2:3`]);
  assert.deepEqual(row('store.maxQueue'), ['store.maxQueue', '5000', 'env BPFWARDEN_STORE__MAX_QUEUE']);
  assert.deepEqual(row('retention.maxAge'), ['retention.maxAge', '3d', `${xdg}/config.toml:2:1`]);
  assert.deepEqual(row('store.worker'), ['store.worker', 'true', 'default']);
  assert.deepEqual(row('alerts.sinks.0.url'), [
    'alerts.sinks.0.url',
    'http://127.0.0.1:9/h',
    `${etc}/config.yaml:7:7`,
  ]);
  assert.deepEqual(row('alerts.sinks.0.secret'), [
    'alerts.sinks.0.secret',
    '(redacted)',
    `${etc}/config.yaml:8:7`,
  ]);
  assert.deepEqual(row('alerts.sinks.0.timeoutMs'), ['alerts.sinks.0.timeoutMs', '5000', 'default']);
  assert.doesNotMatch(r.stdout, /hunter2/);
});

test('config show --json, and --config replacing the file layers', (t) => {
  const { dirs } = layers(t);
  const file = join(tempDir(t), 'mine.json');
  writeFileSync(file, JSON.stringify({ statusIntervalMs: 900 }));
  const r = run(['config', 'show', '--json', '--config', file], {
    BPFWARDEN_CONFIG_DIRS: dirs,
    BPFWARDEN_RETENTION__MAX_AGE: '12h',
  });
  assert.equal(r.status, 0, r.stderr);
  const body = JSON.parse(r.stdout) as {
    layers: string[];
    config: { statusIntervalMs: number; store: { flushIntervalMs: number }; retention: { maxAge: string } };
    values: { key: string; value: unknown; source: string; origin: Record<string, unknown> }[];
  };
  assert.deepEqual(body.layers, [file, 'environment']);
  assert.equal(body.config.statusIntervalMs, 900);
  assert.equal(body.config.store.flushIntervalMs, 25, 'the directory files are not read');
  assert.equal(body.config.retention.maxAge, '12h');
  const v = (key: string) => body.values.find((x) => x.key === key);
  assert.deepEqual(v('statusIntervalMs'), {
    key: 'statusIntervalMs',
    value: 900,
    source: `${file}:1:2`,
    origin: { kind: 'file', path: file, line: 1, column: 2 },
  });
  assert.deepEqual(v('retention.maxAge')?.origin, { kind: 'env', variable: 'BPFWARDEN_RETENTION__MAX_AGE' });
  assert.deepEqual(v('database')?.origin, { kind: 'default' });
});

test('config show refuses an invalid configuration with its problems', (t) => {
  const { dirs } = layers(t);
  const r = run(['config', 'show'], { BPFWARDEN_CONFIG_DIRS: dirs, BPFWARDEN_STORE__FLUSH_INTERVAL_MS: '5' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'bpfwarden: env BPFWARDEN_STORE__FLUSH_INTERVAL_MS: store.flushIntervalMs: Too small: expected number to be >=10 (got 5)\n',
  );
});
