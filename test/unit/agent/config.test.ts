import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  parseConfig,
  type ResolveOptions,
  resolveConfig as resolveLayered,
} from '../../../src/agent/config.ts';
import { AgentError } from '../../../src/domain/agent-error.ts';
import { processFamily } from '../../../src/families/process/index.ts';
import { DEFAULT_DB_PATH, DEFAULT_RUNTIME_DIR } from '../../../src/host/paths.ts';
import { tempDir } from '../store/fixtures.ts';

/** Layered resolution with no config directories and no environment: tests never read /etc. */
function resolveConfig(opts: ResolveOptions): ReturnType<typeof resolveLayered> {
  return resolveLayered({ dirs: [], env: {}, ...opts });
}

/** Asserts that f throws AgentError CONFIG with exactly this message. */
function configError(f: () => unknown, message: string | RegExp): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof AgentError, `expected AgentError, got ${String(err)}`);
    assert.equal(err.code, 'AGENT_CONFIG');
    assert.equal(err.name, 'AgentError');
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

function file(t: Parameters<typeof tempDir>[0], name: string, text: string): string {
  const path = join(tempDir(t), name);
  writeFileSync(path, text);
  return path;
}

test('defaults: an empty, null or missing config gives every default', () => {
  for (const raw of [{}, undefined, null]) {
    const c = parseConfig(raw);
    assert.equal(c.database, DEFAULT_DB_PATH);
    assert.equal(c.runtimeDir, DEFAULT_RUNTIME_DIR);
    assert.deepEqual(c.store, { flushIntervalMs: 25, maxQueue: 100_000, worker: true, maxInFlightMiB: 32 });
    assert.equal(c.statusIntervalMs, 5000);
    assert.deepEqual(c.retention, { maxAge: '7d', maxSizeMiB: 2048, intervalSeconds: 60 });
    // Each monitor family owns its defaults (monitors/*.ts).
    assert.deepEqual(c.monitors.process, processFamily.monitorConfig.parse({}));
    assert.equal(c.monitors.process.enabled, true);
  }
  assert.deepEqual(resolveConfig({}), parseConfig({}));
});

test('valid values pass through: durations, "0", power-of-two rings, attach overrides', () => {
  const c = parseConfig({
    retention: { maxAge: '1h30m', maxSizeMiB: 0 },
    monitors: {
      process: {
        enabled: false,
        ringBufferBytes: 4096,
        attach: {
          handle_exit: 'raw_tracepoint:sched_process_free',
          handle_exec: 'tracepoint:sched/sched_process_exec',
        },
      },
    },
  });
  assert.equal(c.retention.maxAge, '1h30m');
  assert.equal(c.retention.maxSizeMiB, 0);
  assert.deepEqual(c.monitors.process, {
    enabled: false,
    ringBufferBytes: 4096,
    attach: {
      handle_exit: 'raw_tracepoint:sched_process_free',
      handle_exec: 'tracepoint:sched/sched_process_exec',
    },
  });
  assert.equal(parseConfig({ retention: { maxAge: '0' } }).retention.maxAge, '0');
  assert.equal(
    parseConfig({ monitors: { process: { ringBufferBytes: 1 << 30 } } }).monitors.process.ringBufferBytes,
    1 << 30,
  );
});

test('a YAML file is loaded over the defaults', (t) => {
  const path = file(
    t,
    'bpfwarden.yaml',
    `# comment
database: /srv/bw/events.db
store:
  flushIntervalMs: 250
monitors:
  process:
    ringBufferBytes: 16777216
    attach:
      handle_exit: raw_tracepoint:sched_process_free
retention:
  maxAge: 12h
`,
  );
  const c = resolveConfig({ file: path });
  assert.equal(c.database, '/srv/bw/events.db');
  assert.equal(c.runtimeDir, DEFAULT_RUNTIME_DIR);
  assert.deepEqual(c.store, { flushIntervalMs: 250, maxQueue: 100_000, worker: true, maxInFlightMiB: 32 });
  assert.deepEqual(c.monitors.process, {
    enabled: true,
    ringBufferBytes: 16 << 20,
    attach: { handle_exit: 'raw_tracepoint:sched_process_free' },
  });
  assert.deepEqual(c.retention, { maxAge: '12h', maxSizeMiB: 2048, intervalSeconds: 60 });
});

test('a JSON file is loaded over the defaults; an empty YAML file is all defaults', (t) => {
  const path = file(
    t,
    'bpfwarden.json',
    JSON.stringify({ runtimeDir: '/tmp/bw-run', statusIntervalMs: 1000, retention: { maxSizeMiB: 10 } }),
  );
  const c = resolveConfig({ file: path });
  assert.equal(c.runtimeDir, '/tmp/bw-run');
  assert.equal(c.statusIntervalMs, 1000);
  assert.deepEqual(c.retention, { maxAge: '7d', maxSizeMiB: 10, intervalSeconds: 60 });
  assert.equal(c.database, DEFAULT_DB_PATH);
  assert.deepEqual(resolveConfig({ file: file(t, 'empty.yaml', '') }), parseConfig({}));
});

test('flags override the file; the rest of the file stays', (t) => {
  const path = file(t, 'bw.yaml', 'database: /from/file.db\nstatusIntervalMs: 2000\n');
  const c = resolveConfig({ file: path, overrides: { database: '/from/flag.db' } });
  assert.equal(c.database, '/from/flag.db');
  assert.equal(c.statusIntervalMs, 2000);
  assert.equal(resolveConfig({ overrides: { database: '/only/flag.db' } }).database, '/only/flag.db');
});

// One broken setting each, with the one message it must produce: the key path, what was
// wrong and what was expected.
const BROKEN: [string, unknown, string][] = [
  ['unknown top-level key', { databse: 1 }, 'config: unknown key databse; did you mean database?'],
  [
    'unknown nested key (typo)',
    { monitors: { process: { enabeld: true } } },
    'config: unknown key monitors.process.enabeld; did you mean monitors.process.enabled?',
  ],
  [
    'unknown monitor',
    { monitors: { proces: {} } },
    'config: unknown key monitors.proces; did you mean monitors.process?',
  ],
  [
    'boolean as a string',
    { monitors: { process: { enabled: 'yes' } } },
    'config: monitors.process.enabled: Invalid input: expected boolean, received string (got "yes")',
  ],
  [
    'database as a number',
    { database: 5 },
    'config: database: Invalid input: expected string, received number (got 5)',
  ],
  [
    'empty database path',
    { database: '' },
    'config: database: Too small: expected string to have >=1 characters (got "")',
  ],
  [
    'maxQueue as a string',
    { store: { maxQueue: 'many' } },
    'config: store.maxQueue: Invalid input: expected number, received string (got "many")',
  ],
  [
    'ring size not a power of two',
    { monitors: { process: { ringBufferBytes: 5000 } } },
    'config: monitors.process.ringBufferBytes: must be a power of two (e.g. 8388608 for 8 MiB) (got 5000)',
  ],
  [
    'ring size too small',
    { monitors: { process: { ringBufferBytes: 2048 } } },
    'config: monitors.process.ringBufferBytes: Too small: expected number to be >=4096 (got 2048)',
  ],
  [
    'ring size too big',
    { monitors: { process: { ringBufferBytes: 2 ** 31 } } },
    'config: monitors.process.ringBufferBytes: Too big: expected number to be <=1073741824 (got 2147483648)',
  ],
  [
    'ring size not an integer',
    { monitors: { process: { ringBufferBytes: 1.5 } } },
    'config: monitors.process.ringBufferBytes: Invalid input: expected int, received number (got 1.5)',
  ],
  [
    'maxAge with an unknown unit',
    { retention: { maxAge: '7x' } },
    'config: retention.maxAge: must be a duration like 7d, 12h or 90m, or "0" for no limit (got "7x")',
  ],
  [
    'maxAge of zero with a unit',
    { retention: { maxAge: '0s' } },
    'config: retention.maxAge: must be a duration like 7d, 12h or 90m, or "0" for no limit (got "0s")',
  ],
  [
    'maxAge as a number',
    { retention: { maxAge: 7 } },
    'config: retention.maxAge: Invalid input: expected string, received number (got 7)',
  ],
  [
    'negative maxSizeMiB',
    { retention: { maxSizeMiB: -1 } },
    'config: retention.maxSizeMiB: Too small: expected number to be >=0 (got -1)',
  ],
  [
    'retention interval of zero',
    { retention: { intervalSeconds: 0 } },
    'config: retention.intervalSeconds: Too small: expected number to be >=1 (got 0)',
  ],
  [
    'attach target of an unknown kind',
    { monitors: { process: { attach: { handle_exec: 'kprobe:do_execve' } } } },
    'config: monitors.process.attach.handle_exec: must be "tracepoint:CATEGORY/NAME" or "raw_tracepoint:NAME" (got "kprobe:do_execve")',
  ],
  [
    'attach tracepoint without its name',
    { monitors: { process: { attach: { handle_exec: 'tracepoint:sched' } } } },
    'config: monitors.process.attach.handle_exec: must be "tracepoint:CATEGORY/NAME" or "raw_tracepoint:NAME" (got "tracepoint:sched")',
  ],
  [
    'attach key that is not a program name',
    { monitors: { process: { attach: { 'handle-exec': 'raw_tracepoint:sched_process_exec' } } } },
    'config: monitors.process.attach.handle-exec: keys are program names (got "handle-exec")',
  ],
  [
    'attach as a string, not a mapping',
    { monitors: { process: { attach: 'raw_tracepoint:x' } } },
    'config: monitors.process.attach: Invalid input: expected record, received string (got "raw_tracepoint:x")',
  ],
  [
    'statusIntervalMs too low',
    { statusIntervalMs: 100 },
    'config: statusIntervalMs: Too small: expected number to be >=500 (got 100)',
  ],
  [
    'flushIntervalMs below its range',
    { store: { flushIntervalMs: 5 } },
    'config: store.flushIntervalMs: Too small: expected number to be >=10 (got 5)',
  ],
  [
    'flushIntervalMs above its range',
    { store: { flushIntervalMs: 20_000 } },
    'config: store.flushIntervalMs: Too big: expected number to be <=10000 (got 20000)',
  ],
  [
    'monitors as a list',
    { monitors: [] },
    'config: monitors: Invalid input: expected object, received array (got [])',
  ],
  ['a list at the top level', [1, 2], 'config: expected a mapping of settings at the top level (got [1,2])'],
];

test(`a corpus of ${BROKEN.length} broken configs: each gives exactly one precise message`, () => {
  assert.ok(BROKEN.length >= 15);
  for (const [what, raw, message] of BROKEN) {
    assert.doesNotMatch(message, /\n/, what);
    configError(() => parseConfig(raw), message);
  }
});

test('every problem is listed, one per line; the source names the file', (t) => {
  configError(
    () => parseConfig({ store: { flushIntervalMs: 5 }, statusIntervalMs: 1, statusIntervalMS: 1 }),
    [
      'config: store.flushIntervalMs: Too small: expected number to be >=10 (got 5)',
      'config: statusIntervalMs: Too small: expected number to be >=500 (got 1)',
      'config: unknown key statusIntervalMS; did you mean statusIntervalMs?',
    ].join('\n'),
  );
  const path = file(t, 'bw.yaml', 'monitors:\n  process:\n    enabled: yes\n');
  // YAML 1.2: `yes` is a string, not a boolean.
  configError(
    () => resolveConfig({ file: path }),
    `${path}:3:5: monitors.process.enabled: Invalid input: expected boolean, received string (got "yes")`,
  );
  const json = file(t, 'bw.json', '{"monitors": {"process": {"enabeld": false}}}');
  configError(
    () => resolveConfig({ file: json }),
    `${json}:1:27: unknown key monitors.process.enabeld; did you mean monitors.process.enabled?`,
  );
  // A bad flag value is reported like a bad file value, naming the flag.
  configError(
    () => resolveConfig({ flags: [{ flag: '--db', path: ['database'], value: '' }] }),
    'flag --db: database: Too small: expected string to have >=1 characters (got "")',
  );
});

test('a file that is not a mapping of settings', (t) => {
  const list = file(t, 'list.yaml', '- database: /x.db\n- statusIntervalMs: 1000\n');
  configError(
    () => resolveConfig({ file: list }),
    `${list}:1:1: expected a mapping of settings at the top level`,
  );
  const scalar = file(t, 'scalar.yaml', 'just some words\n');
  configError(
    () => resolveConfig({ file: scalar }),
    `${scalar}:1:1: expected a mapping of settings at the top level`,
  );
  const jsonList = file(t, 'list.json', '[{"database": "/x.db"}]');
  configError(
    () => resolveConfig({ file: jsonList }),
    `${jsonList}:1:1: expected a mapping of settings at the top level`,
  );
});

test('invalid YAML or JSON syntax names the file, line and column, and the format', (t) => {
  const yaml = file(t, 'bad.yaml', 'database: /x.db\nstore: flushIntervalMs: 5\n');
  configError(
    () => resolveConfig({ file: yaml }),
    `${yaml}:2:8: not valid YAML: Nested mappings are not allowed in compact mappings`,
  );
  const dup = file(t, 'dup.yaml', 'database: /a.db\ndatabase: /b.db\n');
  configError(() => resolveConfig({ file: dup }), `${dup}:2:1: not valid YAML: Map keys must be unique`);
  const json = file(t, 'bad.json', '{"database": }');
  configError(
    () => resolveConfig({ file: json }),
    `${json}:1:14: not valid JSON: expected a value, found "}"`,
  );
});

test('a missing file names its path and why it cannot be read', (t) => {
  const path = join(tempDir(t), 'nope', 'bpfwarden.yaml');
  configError(
    () => resolveConfig({ file: path }),
    `${path}: cannot read config file: ENOENT: no such file or directory, open '${path}'`,
  );
  // A directory is not a file either.
  const dir = tempDir(t);
  configError(
    () => resolveConfig({ file: dir }),
    new RegExp(`^${reEscape(dir)}: cannot read config file: EISDIR`),
  );
});

function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
