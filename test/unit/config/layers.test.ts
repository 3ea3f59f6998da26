/** Config sources and their precedence: defaults < /etc < XDG < environment < flags; --config replaces the files. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Config, explainConfig, parseConfig, type ResolveOptions } from '../../../src/agent/config.ts';
import { configDirs, SYSTEM_CONFIG_DIR } from '../../../src/config/file-layers.ts';
import { originLabel } from '../../../src/config/problem.ts';
import { tempDir } from '../store/fixtures.ts';

type T = Parameters<typeof tempDir>[0];

/** Two layer directories (system, user) with the given files in them. */
function dirs(t: T, system: Record<string, string>, user: Record<string, string> = {}): string[] {
  const root = tempDir(t);
  return (
    [
      ['etc', system],
      ['xdg', user],
    ] as const
  ).map(([name, files]) => {
    const d = join(root, name);
    mkdirSync(d);
    for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
    return d;
  });
}

function resolved(opts: ResolveOptions): { config: Config; source: (key: string) => string } {
  const r = explainConfig({ env: {}, ...opts });
  if (!r.ok) assert.fail(r.problems.map((p) => p.message).join('\n'));
  return { config: r.config, source: (key) => originLabel(r.sourceOf(key.split('.'))) };
}

const DB = (v: string): string => `database: ${v}\n`;

test('defaults < system file < user file < environment < flag, each pair', (t) => {
  const [etc = '', xdg = ''] = dirs(t, { 'config.yaml': DB('/etc.db') }, { 'config.yaml': DB('/xdg.db') });
  const env = { BPFWARDEN_DATABASE: '/env.db' };
  const flags = [{ flag: '--db', path: ['database'], value: '/flag.db' }];
  const at = (opts: ResolveOptions): [string, string] => {
    const r = resolved(opts);
    return [r.config.database, r.source('database')];
  };
  assert.deepEqual(at({ dirs: [] }), [parseConfig({}).database, 'default']);
  assert.deepEqual(at({ dirs: [etc] }), ['/etc.db', `${etc}/config.yaml:1:1`]);
  assert.deepEqual(at({ dirs: [etc, xdg] }), ['/xdg.db', `${xdg}/config.yaml:1:1`]);
  assert.deepEqual(at({ dirs: [xdg, etc] }), ['/etc.db', `${etc}/config.yaml:1:1`], 'order is precedence');
  assert.deepEqual(at({ dirs: [etc, xdg], env }), ['/env.db', 'env BPFWARDEN_DATABASE']);
  assert.deepEqual(at({ dirs: [etc, xdg], env, flags }), ['/flag.db', 'flag --db']);
  assert.deepEqual(at({ dirs: [etc], flags }), ['/flag.db', 'flag --db']);
});

test('--config replaces both file layers; environment and flags still apply over it', (t) => {
  const [etc = '', xdg = ''] = dirs(
    t,
    { 'config.yaml': 'database: /etc.db\nstatusIntervalMs: 1000\n' },
    { 'config.yaml': 'runtimeDir: /xdg-run\n' },
  );
  const file = join(tempDir(t), 'mine.toml');
  writeFileSync(file, 'database = "/mine.db"\n');
  const r = resolved({ dirs: [etc, xdg], file, env: { BPFWARDEN_STORE__MAX_QUEUE: '5000' } });
  assert.equal(r.config.database, '/mine.db');
  assert.equal(r.source('database'), `${file}:1:1`);
  assert.equal(r.config.statusIntervalMs, 5000, 'the system file is not read');
  assert.equal(r.config.runtimeDir, parseConfig({}).runtimeDir, 'the user file is not read');
  assert.equal(r.config.store.maxQueue, 5000);
  const f = resolved({ dirs: [etc], file, flags: [{ flag: '--db', path: ['database'], value: '/f.db' }] });
  assert.equal(f.config.database, '/f.db');
});

test('mappings merge across layers; lists and scalars replace', (t) => {
  const [etc = '', xdg = ''] = dirs(
    t,
    {
      'config.yaml':
        'store:\n  flushIntervalMs: 50\n  maxQueue: 2000\nmanager:\n  allowedDirs: [/a, /b]\nmonitors:\n  file:\n    pathPrefixes: [/etc/]\n',
    },
    { 'config.json': JSON.stringify({ store: { maxQueue: 3000 }, manager: { allowedDirs: ['/c'] } }) },
  );
  const r = resolved({
    dirs: [etc, xdg],
    env: { BPFWARDEN_MONITORS__FILE__PATH_PREFIXES: '["/home/","/root/"]' },
  });
  assert.equal(r.config.store.flushIntervalMs, 50, 'kept from the lower layer');
  assert.equal(r.config.store.maxQueue, 3000, 'replaced by the higher layer');
  assert.equal(r.config.store.worker, true, 'default where no layer says');
  assert.deepEqual(r.config.manager.allowedDirs, ['/c'], 'a list replaces, never concatenates');
  assert.deepEqual(r.config.monitors.file.pathPrefixes, ['/home/', '/root/']);
  assert.equal(r.source('store.flushIntervalMs'), `${etc}/config.yaml:2:3`);
  assert.equal(r.source('store.maxQueue'), `${xdg}/config.json:1:11`);
  assert.equal(r.source('store.worker'), 'default');
  assert.equal(r.source('monitors.file.pathPrefixes'), 'env BPFWARDEN_MONITORS__FILE__PATH_PREFIXES');
});

test('YAML, .yml, JSON and TOML give the same configuration', (t) => {
  const texts: Record<string, string> = {
    'config.yaml':
      'store:\n  flushIntervalMs: 40\nretention:\n  maxAge: 3d\nalerts:\n  sinks:\n    - name: log\n      type: log\n    - name: arch\n      type: file\n      path: /var/log/a.jsonl\n',
    'config.yml':
      'store: {flushIntervalMs: 40}\nretention: {maxAge: 3d}\nalerts:\n  sinks: [{name: log, type: log}, {name: arch, type: file, path: /var/log/a.jsonl}]\n',
    'config.json': JSON.stringify({
      store: { flushIntervalMs: 40 },
      retention: { maxAge: '3d' },
      alerts: {
        sinks: [
          { name: 'log', type: 'log' },
          { name: 'arch', type: 'file', path: '/var/log/a.jsonl' },
        ],
      },
    }),
    'config.toml':
      '[store]\nflushIntervalMs = 40\n\n[retention]\nmaxAge = "3d"\n\n[[alerts.sinks]]\nname = "log"\ntype = "log"\n\n[[alerts.sinks]]\nname = "arch"\ntype = "file"\npath = "/var/log/a.jsonl"\n',
  };
  const configs = Object.entries(texts).map(([name, text]) => {
    const [dir = ''] = dirs(t, { [name]: text });
    return resolved({ dirs: [dir] });
  });
  const first = configs[0]?.config;
  assert.equal(first?.store.flushIntervalMs, 40);
  assert.equal(first?.retention.maxAge, '3d');
  assert.equal(first?.alerts.sinks[1]?.type, 'file');
  for (const c of configs) assert.deepEqual(c.config, first);
  // Positions from each format: the TOML locator follows [[arrays of tables]].
  const [yaml, yml, json, toml] = configs;
  assert.match(yaml?.source('alerts.sinks.1.path') ?? '', /config\.yaml:11:7$/);
  assert.match(yml?.source('retention.maxAge') ?? '', /config\.yml:2:13$/);
  assert.match(json?.source('store.flushIntervalMs') ?? '', /config\.json:1:11$/);
  assert.match(toml?.source('alerts.sinks.1.path') ?? '', /config\.toml:14:1$/);
  assert.match(toml?.source('retention.maxAge') ?? '', /config\.toml:5:1$/);
});

test('environment values are read as the schema expects them', () => {
  const env = {
    BPFWARDEN_STORE__FLUSH_INTERVAL_MS: '50',
    BPFWARDEN_STORE__WORKER: 'false',
    BPFWARDEN_STORE__MAX_IN_FLIGHT_MIB: '64',
    BPFWARDEN_RETENTION__MAX_AGE: '3d',
    BPFWARDEN_RETENTION__MAX_SIZE_MIB: '0',
    BPFWARDEN_MONITORS__NET__EXCLUDE_SELF: 'no',
    BPFWARDEN_MONITORS__PROCESS__ATTACH: '{"handle_exec":"raw_tracepoint:sched_process_exec"}',
    BPFWARDEN_RULES__DIRECTORY: '/srv/rules',
    BPFWARDEN_ALERTS__SINKS: '[{"name":"hook","type":"webhook","url":"http://127.0.0.1:9/h"}]',
    BPFWARDEN_ALERTS__ROUTES: '[{"sinks":["hook"],"minSeverity":"high"}]',
    // Case and underscores are not significant in the key segments.
    bpfwarden_statusintervalms: '700',
    BPFWARDEN_STATUS_INTERVAL_MS: '800',
  };
  const { config: c } = resolved({ dirs: [], env });
  assert.equal(c.store.flushIntervalMs, 50);
  assert.equal(c.store.worker, false);
  assert.equal(c.store.maxInFlightMiB, 64);
  assert.equal(c.retention.maxAge, '3d');
  assert.equal(c.retention.maxSizeMiB, 0);
  assert.equal(c.monitors.net.excludeSelf, false);
  assert.deepEqual(c.monitors.process.attach, { handle_exec: 'raw_tracepoint:sched_process_exec' });
  assert.deepEqual(c.rules.directory, ['/srv/rules'], 'a string for a string-or-list key');
  assert.deepEqual(
    resolved({ dirs: [], env: { BPFWARDEN_RULES__DIRECTORY: '["/a","/b"]' } }).config.rules.directory,
    ['/a', '/b'],
  );
  assert.equal(c.alerts.sinks[0]?.name, 'hook');
  assert.equal(c.alerts.routes[0]?.minSeverity, 'high');
  assert.equal(c.statusIntervalMs, 800);
  for (const [v, want] of [
    ['true', true],
    ['1', true],
    ['on', true],
    ['YES', true],
    ['0', false],
    ['off', false],
  ] as const) {
    assert.equal(resolved({ dirs: [], env: { BPFWARDEN_STORE__WORKER: v } }).config.store.worker, want, v);
  }
});

test('variables that are not configuration are left alone', () => {
  const env = {
    BPFWARDEN_REQUIRE_KERNEL: '1',
    BPFWARDEN_PIN_ROOT: '/sys/fs/bpf/x',
    BPFWARDEN_PROGRAM_DIRS: '/a:/b',
    BPFWARDEN_ENFORCE_PIN_ROOT: '/sys/fs/bpf/y',
    BPFWARDEN_CONFIG_DIRS: '',
    BPFWARDEN_DEBUG: '1',
    BPFWARDEN_BPF_DIR: '/x',
    // Some other program's variable (a webhook secret named in secretEnv): not near any key.
    BPFWARDEN_HOOK_SECRET: 's3cret',
    PATH: '/bin',
  };
  assert.deepEqual(resolved({ dirs: [], env }).config, parseConfig({}));
});

test('the file layers: /etc/bpfwarden, then $XDG_CONFIG_HOME (default ~/.config), or BPFWARDEN_CONFIG_DIRS', () => {
  assert.deepEqual(configDirs({ HOME: '/home/u' }), [SYSTEM_CONFIG_DIR, '/home/u/.config/bpfwarden']);
  assert.deepEqual(configDirs({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }), [
    '/etc/bpfwarden',
    '/cfg/bpfwarden',
  ]);
  assert.deepEqual(
    configDirs({ HOME: '/home/u', XDG_CONFIG_HOME: 'relative' }),
    ['/etc/bpfwarden', '/home/u/.config/bpfwarden'],
    'a relative XDG_CONFIG_HOME is ignored (XDG spec)',
  );
  assert.deepEqual(configDirs({ BPFWARDEN_CONFIG_DIRS: '/t/etc:/t/xdg' }), ['/t/etc', '/t/xdg']);
  assert.deepEqual(configDirs({ BPFWARDEN_CONFIG_DIRS: '' }), []);
});

test('BPFWARDEN_CONFIG_DIRS in the environment chooses the directories', (t) => {
  const [etc = '', xdg = ''] = dirs(t, { 'config.toml': 'statusIntervalMs = 900\n' }, {});
  const r = resolved({ env: { BPFWARDEN_CONFIG_DIRS: `${etc}:${xdg}` } });
  assert.equal(r.config.statusIntervalMs, 900);
  assert.equal(r.source('statusIntervalMs'), `${etc}/config.toml:1:1`);
});

test('every problem of every layer is reported in one run', (t) => {
  const [etc = '', xdg = ''] = dirs(
    t,
    { 'config.yaml': 'store:\n  flushIntervalMs: 5\n' },
    { 'config.yaml': 'database: /a\n', 'config.json': '{}' },
  );
  const r = explainConfig({ dirs: [etc, xdg], env: { BPFWARDEN_STORE__MAXQUEUE: 'x' } });
  assert.equal(r.ok, false);
  const lines = r.ok ? [] : r.problems.map((p) => `${originLabel(p.origin)} ${p.path.join('.')}`);
  assert.deepEqual(lines, [
    `${xdg} `,
    'env BPFWARDEN_STORE__MAXQUEUE store.maxQueue',
    `${etc}/config.yaml:2:3 store.flushIntervalMs`,
  ]);
});
